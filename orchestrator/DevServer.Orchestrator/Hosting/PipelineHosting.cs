using DevServer.Orchestrator.Analytics;
using DevServer.Orchestrator.Data;
using DevServer.Orchestrator.Events;
using DevServer.Orchestrator.Ideas;
using DevServer.Orchestrator.Logs;
using DevServer.Orchestrator.Mesh;
using DevServer.Orchestrator.Queue;
using DevServer.Orchestrator.Repositories;
using DevServer.Orchestrator.Runs;
using DevServer.Orchestrator.Scheduling;
using DevServer.Orchestrator.Settings;
using DevServer.Orchestrator.Tasks;
using DevServer.Orchestrator.Templates;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Quartz;
using Rpc.Server;
using SchedulingOptions = DevServer.Orchestrator.Scheduling.SchedulingOptions;

namespace DevServer.Orchestrator.Hosting;

/// <summary>Registers and maps the pipeline's features; each method is one line of Program.cs.</summary>
internal static class PipelineHosting
{
    /// <summary>Events: the log written inside transitions, the pump that reads it, the hub that fans it out.</summary>
    public static WebApplicationBuilder AddEvents(this WebApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<OrchestratorInstance>();
        builder.Services.AddSingleton<PostgresNotifications>();
        builder.Services.AddHostedService(services => services.GetRequiredService<PostgresNotifications>());
        builder.Services.AddSingleton<EventHub>();
        builder.Services.AddSingleton<EventPump>();
        builder.Services.AddHostedService(services => services.GetRequiredService<EventPump>());
        return builder;
    }

    /// <summary>Tasks and repositories: the transitions every feature goes through.</summary>
    public static WebApplicationBuilder AddTasks(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AgentOptions>().BindConfiguration(AgentOptions.Section)
            .Validate(AgentOptions.IsValid, AgentOptions.Requirement).ValidateOnStart();
        builder.Services.AddSingleton<TaskTransitions>();
        builder.Services.AddSingleton<TaskCreation>();
        builder.Services.AddSingleton<AttemptEndings>();
        return builder;
    }

    /// <summary>The mesh: worker connections on this instance and the delivery of their assignments.</summary>
    public static WebApplicationBuilder AddMesh(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<MeshOptions>().BindConfiguration(MeshOptions.Section)
            .Validate(MeshOptions.IsValid, MeshOptions.Requirement).ValidateOnStart();
        builder.Services.AddSingleton<WorkerRegistry>();
        builder.Services.AddSingleton<AssignmentDelivery>();
        builder.Services.AddHostedService(services => services.GetRequiredService<AssignmentDelivery>());
        builder.Services.Configure<RpcServerOptions>(options => options.MaxReceiveMessageSize = 64 * 1024 * 1024);
        return builder;
    }

    /// <summary>The queue's and the settings' readers, the one settings store, and the live queue's change signal.</summary>
    public static WebApplicationBuilder AddQueue(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<QueueSnapshots>();
        builder.Services.AddSingleton<SettingsStore>();
        builder.Services.AddSingleton<SecretOverview>();
        builder.Services.AddSingleton<QueueChanges>();
        builder.Services.AddHostedService(services => services.GetRequiredService<QueueChanges>());
        return builder;
    }

    /// <summary>
    /// Quartz with its clustered PostgreSQL store: the dispatch job (triggered on demand and as a backstop), attempt
    /// time limits, and the sweep of lost workers.
    /// </summary>
    public static WebApplicationBuilder AddScheduling(this WebApplicationBuilder builder)
    {
        var scheduling = builder.Configuration.GetSection(SchedulingOptions.Section).Get<SchedulingOptions>() ?? new SchedulingOptions();
        if (SchedulingOptions.Validate(scheduling) is { } problem)
        {
            throw new OptionsValidationException(SchedulingOptions.Section, typeof(SchedulingOptions), [problem]);
        }

        builder.Services.AddOptions<SchedulingOptions>().BindConfiguration(SchedulingOptions.Section);
        builder.Services.AddSingleton<DispatchRequests>();
        builder.Services.AddHostedService(services => services.GetRequiredService<DispatchRequests>());
        builder.Services.AddSingleton<Dispatcher>();
        var connectionString = DatabaseSettings.FromConfiguration(builder.Configuration).ConnectionString;
        builder.Services.AddQuartz(quartz =>
        {
            quartz.ConfigureScheduler(scheduler =>
            {
                // One name shared by every orchestrator makes them one cluster; each generates its own instance id.
                scheduler.InstanceName = "devserver";
                scheduler.GenerateInstanceId = true;
            });
            quartz.UsePersistentStore(store =>
            {
                store.UsePostgres(connectionString);
                store.UseClustering(clustering => clustering.CheckinInterval = TimeSpan.FromSeconds(5));
                store.UseSystemTextJsonSerializer();
                store.ProvisionSchema();
                // The misfire handler and the cluster manager are Quartz's only threads. During a database outage they
                // outlive a shutdown that QuartzSchedulerService gave up on, and as foreground threads they kept the
                // process from exiting.
                store.ConfigureStore(options => options.UseBackgroundThreads = true);
            });
            quartz.AddJob<DispatchJob>(job => job.WithIdentity(DispatchJob.Key).StoreDurably());
            quartz.AddTrigger(trigger => trigger.ForJob(DispatchJob.Key).WithIdentity("dispatch-backstop", "pipeline")
                .WithSimpleSchedule(s => s.WithInterval(scheduling.DispatchBackstopInterval).RepeatForever()));
            quartz.AddJob<SweepJob>(job => job.WithIdentity(SweepJob.Key).StoreDurably());
            quartz.AddTrigger(trigger => trigger.ForJob(SweepJob.Key).WithIdentity("sweep", "pipeline")
                .WithSimpleSchedule(s => s.WithInterval(scheduling.SweepInterval).RepeatForever()));
            quartz.AddJob<AttemptTimeoutJob>(job => job.WithIdentity(AttemptTimeoutJob.Key).StoreDurably());
            quartz.AddLogRetentionJob(builder.Configuration);
        });
        builder.Services.AddHostedService<QuartzSchedulerService>();
        return builder;
    }

    /// <summary>The public API (tasks, repositories, events, queue, logs, settings, analytics, templates, ideas) and the workers' mesh.</summary>
    public static WebApplication MapPipelineServices(this WebApplication app)
    {
        app.MapRpcService<TaskApi>().EnableGrpcWeb();
        app.MapRpcService<RepositoryApi>().EnableGrpcWeb();
        app.MapRpcService<EventApi>().EnableGrpcWeb();
        app.MapRpcService<QueueApi>().EnableGrpcWeb();
        app.MapRpcService<LogApi>().EnableGrpcWeb();
        app.MapRpcService<SettingsApi>().EnableGrpcWeb();
        app.MapRpcService<AnalyticsApi>().EnableGrpcWeb();
        app.MapRpcService<TemplateApi>().EnableGrpcWeb();
        app.MapRpcService<IdeaApi>().EnableGrpcWeb();
        app.MapRpcService<MeshApi>();
        return app;
    }
}
