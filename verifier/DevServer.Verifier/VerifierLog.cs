using DevServer.Contracts.Work.V1;
using Microsoft.Extensions.Logging;

namespace DevServer.Verifier;

internal static partial class VerifierLog
{
    [LoggerMessage(1, LogLevel.Information, "Checkout {Checkout}: stage {Stage} starting")]
    public static partial void StageStarting(ILogger logger, string checkout, StageKind stage);

    [LoggerMessage(2, LogLevel.Information, "Verification {AssignmentId} finished: {Outcome} (failed stage {FailedStage})")]
    public static partial void Finished(ILogger logger, string assignmentId, VerifyOutcome outcome, StageKind failedStage);

    [LoggerMessage(3, LogLevel.Warning, "Checkout {Checkout} could not be removed")]
    public static partial void CheckoutNotRemoved(ILogger logger, Exception exception, string checkout);
}
