using System.Collections.Concurrent;
using System.Text.Json;
using DevServer.Cli.Tests.Infrastructure;
using DevServer.Contracts.Settings.V1;
using DevServer.Testing;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Rpc;
using Rpc.Server;

namespace DevServer.Cli.Tests.Commands;

/// <summary><c>devserver settings</c> and <c>settings set</c> against a scripted SettingsService on loopback Kestrel.</summary>
public sealed class SettingsCommandTests : IAsyncLifetime
{
    private readonly string _data = Directory.CreateTempSubdirectory("devserver-cli-").FullName;
    private readonly Script _script = new();
    private WebApplication _app = null!;
    private string _server = "";

    public async ValueTask InitializeAsync()
    {
        var builder = LoopbackHost.CreateBuilder(shutdownTimeout: TimeSpan.FromSeconds(5));
        builder.Services.AddSingleton(_script);
        builder.Services.AddRpc();
        _app = builder.Build();
        _app.MapRpcService<ScriptedSettings>();
        var addresses = await _app.StartOnLoopbackAsync(TestContext.Current.CancellationToken);
        _server = addresses.H2c.ToString().TrimEnd('/');
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task Settings_Human_PrintsTheSettingsAndTheMaskedSecrets()
    {
        var result = await RunAsync("settings");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            """
            max-concurrency  3
            paused           on
            auto-enqueue     off
            notifications    on

            SECRET       SCOPE                 SOURCE                   VALUE         UPDATED
            forge token  repository sample     database                 ••••••••wxyz  2026-11-21 09:30:00
            forge token  host git.example.com  configuration            ••••••••      -
            API token    admin (admin)         database (SHA-256 only)  -             2026-11-20 08:00:00

            """.ReplaceLineEndings("\n"),
            result.Out);
        Assert.Equal("", result.Error);
    }

    [Fact]
    public async Task Settings_Json_PrintsTheResponse()
    {
        var result = await RunAsync("settings", "--json");

        Assert.Equal(0, result.ExitCode);
        using var document = JsonDocument.Parse(Assert.Single(result.Out.TrimEnd('\n').Split('\n')));
        Assert.Equal(3, document.RootElement.GetProperty("settings").GetProperty("maxConcurrency").GetInt32());
        Assert.Equal(3, document.RootElement.GetProperty("secrets").GetArrayLength());
    }

    [Fact]
    public async Task Settings_NoSecrets_SaysSo()
    {
        _script.Secrets.Clear();

        var result = await RunAsync("settings");

        Assert.Equal(0, result.ExitCode);
        Assert.EndsWith("notifications    on\n\nNo secrets.\n", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SettingsSet_EveryOption_SendsEachAndPrintsTheResult()
    {
        var result = await RunAsync("settings", "set", "--max-concurrency", "7", "--paused", "off", "--auto-enqueue", "ON", "--notifications", "off");

        Assert.Equal(0, result.ExitCode);
        var request = Assert.Single(_script.Updates);
        Assert.Equal(
            new UpdateSettingsRequest { MaxConcurrency = 7, QueuePaused = false, AutoEnqueue = true, NotificationsEnabled = false },
            request);
        Assert.Equal("max-concurrency  7\npaused           off\nauto-enqueue     on\nnotifications    off\n", result.Out);
    }

    [Fact]
    public async Task SettingsSet_OneOption_SendsOnlyIt()
    {
        var result = await RunAsync("settings", "set", "--paused", "on");

        Assert.Equal(0, result.ExitCode);
        var request = Assert.Single(_script.Updates);
        Assert.Equal((false, true, false, false), (request.HasMaxConcurrency, request.HasQueuePaused, request.HasAutoEnqueue, request.HasNotificationsEnabled));
        Assert.True(request.QueuePaused);
    }

    [Theory]
    [InlineData("--paused", "yes", "--paused must be 'on' or 'off', not 'yes'.")]
    [InlineData("--notifications", "1", "--notifications must be 'on' or 'off', not '1'.")]
    [InlineData("--max-concurrency", "11", "--max-concurrency must be a number between 1 and 10 (got '11').")]
    [InlineData("--max-concurrency", "0", "--max-concurrency must be a number between 1 and 10 (got '0').")]
    public async Task SettingsSet_BadValue_UsageErrorAndNothingSent(string option, string value, string message)
    {
        var result = await RunAsync("settings", "set", option, value);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("devserver: " + message, result.Error, StringComparison.Ordinal);
        Assert.Empty(_script.Updates);
    }

    [Fact]
    public async Task SettingsSet_NoOption_UsageErrorAndNothingSent()
    {
        var result = await RunAsync("settings", "set");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--max-concurrency, --paused, --auto-enqueue and --notifications", result.Error, StringComparison.Ordinal);
        Assert.Empty(_script.Updates);
    }

    [Fact]
    public async Task SettingsSet_ServerRefuses_ExitsRejectedWithTheServersMessage()
    {
        _script.Refusal = "max_concurrency must be between 1 and 10.";

        var result = await RunAsync("settings", "set", "--max-concurrency", "5");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("max_concurrency must be between 1 and 10.", result.Error, StringComparison.Ordinal);
        Assert.Equal("", result.Out);
    }

    private Task<CliResult> RunAsync(params string[] args) =>
        TestCli.RunAsync([.. args, "--server", _server, "--data", _data, "--token", "t0ken"]);

    /// <summary>What the scripted service answers and what it received.</summary>
    internal sealed class Script
    {
        public Settings Settings { get; } = new() { MaxConcurrency = 3, QueuePaused = true, AutoEnqueue = false, NotificationsEnabled = true };

        public List<Secret> Secrets { get; } =
        [
            new Secret
            {
                Kind = "forge token", Scope = "repository sample", Source = "database", Masked = "••••••••wxyz",
                UpdatedAt = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 11, 21, 9, 30, 0, TimeSpan.Zero)),
            },
            new Secret { Kind = "forge token", Scope = "host git.example.com", Source = "configuration", Masked = "••••••••" },
            new Secret
            {
                Kind = "API token", Scope = "admin (admin)", Source = "database (SHA-256 only)",
                UpdatedAt = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 11, 20, 8, 0, 0, TimeSpan.Zero)),
            },
        ];

        public ConcurrentQueue<UpdateSettingsRequest> Updates { get; } = new();

        public string? Refusal { get; set; }
    }

    private sealed class ScriptedSettings(Script script) : SettingsService.SettingsServiceBase
    {
        public override Task<GetSettingsResponse> GetSettings(GetSettingsRequest request, ServerCallContext context)
        {
            var response = new GetSettingsResponse { Settings = script.Settings };
            response.Secrets.AddRange(script.Secrets);
            return Task.FromResult(response);
        }

        public override Task<UpdateSettingsResponse> UpdateSettings(UpdateSettingsRequest request, ServerCallContext context)
        {
            if (script.Refusal is { } refusal)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, refusal));
            }

            script.Updates.Enqueue(request);
            var settings = script.Settings.Clone();
            if (request.HasMaxConcurrency)
            {
                settings.MaxConcurrency = request.MaxConcurrency;
            }

            if (request.HasQueuePaused)
            {
                settings.QueuePaused = request.QueuePaused;
            }

            if (request.HasAutoEnqueue)
            {
                settings.AutoEnqueue = request.AutoEnqueue;
            }

            if (request.HasNotificationsEnabled)
            {
                settings.NotificationsEnabled = request.NotificationsEnabled;
            }

            return Task.FromResult(new UpdateSettingsResponse { Settings = settings });
        }
    }
}
