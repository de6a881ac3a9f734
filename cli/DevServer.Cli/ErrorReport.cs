using DevServer.Cli.Connection;
using Rpc;

namespace DevServer.Cli;

/// <summary>Turns a failure into one line on stderr (<c>devserver: …</c>) and its exit code; never a stack trace.</summary>
internal static class ErrorReport
{
    public static int Report(Exception exception, CommandContext context, CancellationToken cancellationToken)
    {
        var (code, message) = Describe(exception, context, cancellationToken);
        context.Host.Error.WriteLine("devserver: " + message);
        return code;
    }

    public static (int ExitCode, string Message) Describe(Exception exception, CommandContext context, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested && exception is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
        {
            return (ExitCodes.Interrupted, "interrupted");
        }

        return exception switch
        {
            CliException cli => (cli.ExitCode, cli.Message),
            RpcException rpc => (ExitCodes.FromStatus(rpc.StatusCode), Describe(rpc, SafeSettings(context))),
            IOException or UnauthorizedAccessException => (ExitCodes.Failure, exception.Message),
            _ => (ExitCodes.Failure, $"unexpected error ({exception.GetType().Name}): {exception.Message}"),
        };
    }

    /// <summary>The message for a failed call, with a hint where the user can act on it.</summary>
    public static string Describe(RpcException exception, ConnectionSettings? settings)
    {
        var detail = string.IsNullOrWhiteSpace(exception.Status.Detail) ? exception.StatusCode.ToString() : exception.Status.Detail;
        var server = settings?.Server.ToString().TrimEnd('/') ?? "the orchestrator";
        return exception.StatusCode switch
        {
            // The client makes this status itself, with the transport's exception, when no answer came: nothing listens, or
            // the connection broke. An orchestrator that answers UNAVAILABLE is running (its database may be down, say).
            StatusCode.Unavailable when exception.Status.DebugException is HttpRequestException or IOException =>
                $"cannot reach the orchestrator at {server}: {detail} (is it running? `devserver up` starts one)",
            StatusCode.Unavailable => $"the orchestrator at {server} is unavailable: {detail}",
            StatusCode.DeadlineExceeded => $"the orchestrator at {server} did not answer in time: {detail}",
            StatusCode.Unauthenticated when settings is { Token: null } =>
                $"the orchestrator wants a token and none was found (looked at --token, ${GlobalOptions.TokenVariable} and {settings.TokenOrigin})",
            StatusCode.Unauthenticated => $"the orchestrator refused the token from {settings?.TokenOrigin ?? "the command line"}: {detail}",
            StatusCode.PermissionDenied => $"the token is not allowed to do this (an admin token is needed): {detail}",
            StatusCode.NotFound or StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.AlreadyExists or StatusCode.OutOfRange => detail,
            _ => $"the orchestrator failed ({exception.StatusCode}): {detail}",
        };
    }

    private static ConnectionSettings? SafeSettings(CommandContext context)
    {
        try
        {
            return context.Settings;
        }
        catch (CliException)
        {
            return null;
        }
    }
}
