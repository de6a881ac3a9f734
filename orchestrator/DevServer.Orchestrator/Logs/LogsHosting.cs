using DevServer.Orchestrator.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Quartz;

namespace DevServer.Orchestrator.Logs;

/// <summary>Registers the cluster's log: this instance's entries and its workers' into <c>log_entries</c>, the watch API, retention.</summary>
internal static class LogsHosting
{
    /// <summary>
    /// The logger provider, the buffer and the writer; needs <c>AddDatabase</c> and <c>AddEvents</c> (the LISTEN connection).
    /// The settings are read now, not through options: the provider exists before any option is validated.
    /// </summary>
    public static WebApplicationBuilder AddLogs(this WebApplicationBuilder builder)
    {
        var settings = builder.Configuration.GetSection(LogsOptions.Section).Get<LogsOptions>() ?? new LogsOptions();
        if (!LogsOptions.IsValid(settings))
        {
            throw new OptionsValidationException(LogsOptions.Section, typeof(LogsOptions), [LogsOptions.Requirement]);
        }

        builder.Services.AddOptions<LogsOptions>().BindConfiguration(LogsOptions.Section);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<OrchestratorInstance>();
        var buffer = new LogBuffer(settings.BufferCapacity);
        builder.Services.AddSingleton(buffer);
        builder.Services.AddSingleton<ILoggerProvider>(services => new DatabaseLoggerProvider(
            buffer, settings.MinimumLevel, services.GetRequiredService<OrchestratorInstance>(), services.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<LogWriter>();
        builder.Services.AddHostedService(services => services.GetRequiredService<LogWriter>());
        builder.Services.AddSingleton<LogFeed>();
        builder.Services.AddSingleton<WorkerLogIntake>();
        builder.Services.AddSingleton<LogRetention>();
        return builder;
    }

    /// <summary>The retention job, added to the scheduler's configuration (called from AddScheduling).</summary>
    public static void AddLogRetentionJob(this IQuartzBuilder quartz, IConfiguration configuration)
    {
        var settings = configuration.GetSection(LogsOptions.Section).Get<LogsOptions>() ?? new LogsOptions();
        quartz.AddJob<LogRetentionJob>(job => job.WithIdentity(LogRetentionJob.Key).StoreDurably());
        quartz.AddTrigger(trigger => trigger.ForJob(LogRetentionJob.Key).WithIdentity("log-retention", "logs")
            .WithSimpleSchedule(s => s.WithInterval(settings.RetentionInterval).RepeatForever()));
    }
}
