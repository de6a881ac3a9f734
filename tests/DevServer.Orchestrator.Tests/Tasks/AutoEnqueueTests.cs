using DevServer.Orchestrator.Data;
using Microsoft.Extensions.Configuration;
using Npgsql;
using TaskStatus = DevServer.Contracts.Tasks.V1.TaskStatus;

namespace DevServer.Orchestrator.Tests.Tasks;

/// <summary>
/// CreateTaskRequest.enqueue: unset follows queue_settings.auto_enqueue, set wins. The setting is written straight into
/// the orchestrator's database (the settings API is another feature's), and put back to off after each test.
/// </summary>
public sealed class AutoEnqueueTests(ApiOrchestratorFixture orchestrator) : IClassFixture<ApiOrchestratorFixture>, IAsyncLifetime
{
    private const int TimeoutMs = 60_000;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await SetAutoEnqueueAsync(false, CancellationToken.None);

    [Theory(Timeout = TimeoutMs)]
    [InlineData(false, null, TaskStatus.Pending)]
    [InlineData(true, null, TaskStatus.Queued)]
    [InlineData(true, false, TaskStatus.Pending)]
    [InlineData(false, true, TaskStatus.Queued)]
    [InlineData(true, true, TaskStatus.Queued)]
    [InlineData(false, false, TaskStatus.Pending)]
    public async Task CreateTask_AutoEnqueueAndRequest_StatusFollowsTheRequestElseTheSetting(bool autoEnqueue, bool? enqueue, TaskStatus expected)
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct);
        await SetAutoEnqueueAsync(autoEnqueue, ct);

        var task = await orchestrator.CreateTaskAsync(repository, "auto?", ct, request =>
        {
            if (enqueue is { } value)
            {
                request.Enqueue = value;
            }
        });

        Assert.Equal(expected, task.Status);
        var events = await orchestrator.ReadEventsAsync(task.Id, ct);
        Assert.NotNull(events[0].Created);
        if (expected == TaskStatus.Queued)
        {
            Assert.Equal(2, events.Count);
            Assert.Equal((TaskStatus.Pending, TaskStatus.Queued), (events[1].StatusChanged.From, events[1].StatusChanged.To));
        }
        else
        {
            Assert.Single(events);
        }
    }

    private async Task SetAutoEnqueueAsync(bool value, CancellationToken cancellationToken)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [DatabaseOptions.DataDirectoryKey] = orchestrator.DataDirectory })
            .Build();
        await using var dataSource = NpgsqlDataSource.Create(DatabaseSettings.FromConfiguration(configuration).ConnectionString);
        await using var command = dataSource.CreateCommand("UPDATE queue_settings SET auto_enqueue = @value");
        command.Parameters.AddWithValue("value", value);
        Assert.Equal(1, await command.ExecuteNonQueryAsync(cancellationToken));
    }
}
