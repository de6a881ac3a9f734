using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using Rpc.Health;
using Rpc.Server;

namespace DevServer.Orchestrator.Data;

internal static class DatabaseHosting
{
    /// <summary>
    /// PostgreSQL for the orchestrator: <see cref="DatabaseSettings"/> (validated now), one <see cref="NpgsqlDataSource"/>,
    /// UNAVAILABLE for calls that fail on an unreachable database (<see cref="DatabaseUnavailableInterceptor"/>),
    /// and <see cref="DatabaseStartup"/> as the first hosted service, so that every later one finds a running, migrated
    /// database and the embedded server stops after all of them; <see cref="EmbeddedPostgresWatchdog"/> starts that server
    /// again when it dies in between; <see cref="DatabaseHealthReporter"/> makes health NOT_SERVING while the database
    /// cannot be reached.
    /// </summary>
    public static WebApplicationBuilder AddDatabase(this WebApplicationBuilder builder)
    {
        var settings = DatabaseSettings.FromConfiguration(builder.Configuration);
        builder.Services.AddSingleton(settings);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(services =>
            new NpgsqlDataSourceBuilder(settings.ConnectionString)
                .UseLoggerFactory(services.GetRequiredService<ILoggerFactory>())
                .Build());
        builder.Services.AddSingleton<MigrationRunner>();
        builder.Services.AddSingleton<DatabaseUnavailableInterceptor>();
        builder.Services.Configure<RpcServerOptions>(options => options.Interceptors.Add<DatabaseUnavailableInterceptor>());
        builder.Services.AddSingleton<DatabaseStartup>();
        // Hosted services start in registration order and stop in reverse: first wherever AddDatabase is called.
        builder.Services.Insert(0, ServiceDescriptor.Singleton<IHostedService>(services => services.GetRequiredService<DatabaseStartup>()));
        // Second: it watches the server from the start, and stops watching before the server is stopped.
        builder.Services.Insert(1, ServiceDescriptor.Singleton<IHostedService, EmbeddedPostgresWatchdog>());
        builder.Services.AddRpcHealthChecks();
        builder.Services.AddHostedService<DatabaseHealthReporter>();
        return builder;
    }
}
