using Rpc.Server;

namespace DevServer.Orchestrator.Auth;

internal static class AuthHosting
{
    /// <summary>
    /// Bearer-token authentication for every service but health (<see cref="ApiAuthenticationInterceptor"/>, outermost),
    /// and the token files of the data directory (<see cref="TokenBootstrap"/>). Needs <c>AddDatabase</c>.
    /// </summary>
    public static WebApplicationBuilder AddApiAuthentication(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ApiTokenStore>();
        builder.Services.AddSingleton<ApiTokenCache>();
        builder.Services.AddSingleton<ApiAuthenticationInterceptor>();
        builder.Services.AddSingleton<TokenBootstrap>();
        builder.Services.AddHostedService(services => services.GetRequiredService<TokenBootstrap>());
        // First in the list: outermost, whatever other interceptors are added and in which order.
        builder.Services.Configure<RpcServerOptions>(options =>
            options.Interceptors.Insert(0, new InterceptorRegistration(typeof(ApiAuthenticationInterceptor), null, [])));
        return builder;
    }
}
