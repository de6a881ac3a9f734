using DevServer.Orchestrator.Data;
using Microsoft.Extensions.Options;

namespace DevServer.Orchestrator.Secrets;

internal static class SecretsHosting
{
    /// <summary>
    /// Secrets at rest: the keys (<see cref="SecretsOptions"/>, validated at start), the <see cref="SecretProtector"/>
    /// and <see cref="SecretsStartup"/>. Needs <c>AddDatabase</c>; call it before the features whose hosted services
    /// read secrets (delivery), so that the stored tokens are encrypted before they start.
    /// </summary>
    public static WebApplicationBuilder AddSecrets(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<SecretsOptions>().BindConfiguration(SecretsOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<SecretsOptions>, SecretsOptions.Validation>();
        // Resolved on first use, not now: the key file goes into the data directory, which the database start creates
        // with the right owner and mode (as root it must let the cluster's user pass through).
        builder.Services.AddSingleton(services => new SecretProtector(new Lazy<SecretKeyring>(() => SecretKeyring.Resolve(
            services.GetRequiredService<IOptions<SecretsOptions>>().Value, services.GetRequiredService<DatabaseSettings>().DataDirectory))));
        builder.Services.AddSingleton<SecretsStartup>();
        builder.Services.AddHostedService(services => services.GetRequiredService<SecretsStartup>());
        return builder;
    }
}
