using Rpc;
using TaskStatus = DevServer.Contracts.Tasks.V1.TaskStatus;

namespace DevServer.Cli.Tests;

public sealed class ExitCodesTests
{
    [Theory]
    [InlineData(StatusCode.OK, 0)]
    [InlineData(StatusCode.NotFound, 3)]
    [InlineData(StatusCode.Unavailable, 4)]
    [InlineData(StatusCode.Unauthenticated, 4)]
    [InlineData(StatusCode.PermissionDenied, 4)]
    [InlineData(StatusCode.DeadlineExceeded, 4)]
    [InlineData(StatusCode.InvalidArgument, 5)]
    [InlineData(StatusCode.FailedPrecondition, 5)]
    [InlineData(StatusCode.AlreadyExists, 5)]
    [InlineData(StatusCode.OutOfRange, 5)]
    [InlineData(StatusCode.Internal, 6)]
    [InlineData(StatusCode.Unknown, 6)]
    [InlineData(StatusCode.Unimplemented, 6)]
    [InlineData(StatusCode.ResourceExhausted, 6)]
    [InlineData(StatusCode.Aborted, 6)]
    [InlineData(StatusCode.DataLoss, 6)]
    [InlineData(StatusCode.Cancelled, 6)]
    public void FromStatus_EveryCode_MapsToTheDocumentedExitCode(StatusCode code, int exitCode)
    {
        Assert.Equal(exitCode, ExitCodes.FromStatus(code));
    }

    [Fact]
    public void FromStatus_EveryStatusCode_IsCovered()
    {
        // A new code would silently fall into "other"; this lists them so the table above stays complete.
        Assert.Equal(17, Enum.GetValues<StatusCode>().Length);
    }

    [Theory]
    [InlineData(TaskStatus.Done, 0)]
    [InlineData(TaskStatus.Failed, 1)]
    [InlineData(TaskStatus.Blocked, 1)]
    [InlineData(TaskStatus.Cancelled, 1)]
    public void FromTaskStatus_FinalStatus_MapsToTheDocumentedExitCode(TaskStatus status, int exitCode)
    {
        Assert.True(ExitCodes.IsFinal(status));
        Assert.Equal(exitCode, ExitCodes.FromTaskStatus(status));
    }

    [Theory]
    [InlineData(TaskStatus.Pending)]
    [InlineData(TaskStatus.Queued)]
    [InlineData(TaskStatus.Running)]
    [InlineData(TaskStatus.Verifying)]
    public void FromTaskStatus_UnfinishedStatus_Throws(TaskStatus status)
    {
        Assert.False(ExitCodes.IsFinal(status));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExitCodes.FromTaskStatus(status));
    }
}
