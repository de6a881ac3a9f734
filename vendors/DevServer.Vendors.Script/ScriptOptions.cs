using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace DevServer.Vendors.Script;

/// <summary>What the script vendor runs (section <c>Script</c>).</summary>
internal sealed class ScriptOptions
{
    public const string Section = "Script";

    /// <summary>The agent: a command line run with <c>/bin/sh -c</c> in the task's worktree.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Command { get; set; } = string.Empty;

    /// <summary>The attempt's time limit when the assignment gives none.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan DefaultTimeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long a stopped command may take to exit after SIGINT before its whole process tree is killed.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan GracePeriod { get; set; } = TimeSpan.FromSeconds(5);
}

internal static class ScriptAgentHosting
{
    /// <summary>The <c>Script</c> settings, validated at start-up (the handler itself comes with AddMeshWorker).</summary>
    public static IHostApplicationBuilder AddScriptAgent(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ScriptOptions>()
            .Bind(builder.Configuration.GetSection(ScriptOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        return builder;
    }
}
