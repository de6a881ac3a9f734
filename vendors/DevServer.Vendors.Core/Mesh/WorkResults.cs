using DevServer.Contracts.Mesh.V1;
using DevServer.Contracts.Work.V1;

namespace DevServer.Vendors.Core.Mesh;

/// <summary>The results the kit writes itself, when a handler could not: of the kind the assignment's work asks for.</summary>
internal static class WorkResults
{
    // AgentResult.error and VerifyResult.output_tail are meant to be short.
    private const int MaxMessageLength = 3000;

    public static WorkResult Failed(Assignment assignment, string message) => assignment.WorkCase switch
    {
        Assignment.WorkOneofCase.Verify => new WorkResult
        {
            Verify = new VerifyResult { Outcome = VerifyOutcome.Failed, OutputTail = Shorten(message) },
        },
        _ => new WorkResult { Agent = new AgentResult { Outcome = AgentOutcome.Failed, Error = Shorten(message) } },
    };

    public static WorkResult Cancelled(Assignment assignment) => assignment.WorkCase switch
    {
        Assignment.WorkOneofCase.Verify => new WorkResult { Verify = new VerifyResult { Outcome = VerifyOutcome.Cancelled } },
        _ => new WorkResult { Agent = new AgentResult { Outcome = AgentOutcome.Cancelled, Error = "Cancelled before it finished." } },
    };

    /// <summary>Why the worker cannot run this assignment at all, or null when it can.</summary>
    public static string? Refusal(Assignment assignment, WorkerKind kind) => (assignment.WorkCase, kind) switch
    {
        (Assignment.WorkOneofCase.Agent, WorkerKind.Vendor) or (Assignment.WorkOneofCase.Verify, WorkerKind.Verifier) => null,
        (Assignment.WorkOneofCase.None, _) => "The assignment carries no work.",
        _ => $"This worker is a {kind} worker and does not run {assignment.WorkCase} work.",
    };

    /// <summary>Why a handler's result does not fit its assignment, or null when it does.</summary>
    public static string? Mismatch(Assignment assignment, WorkResult result) => (assignment.WorkCase, result.ResultCase) switch
    {
        (Assignment.WorkOneofCase.Agent, WorkResult.ResultOneofCase.Agent) or (Assignment.WorkOneofCase.Verify, WorkResult.ResultOneofCase.Verify) => null,
        _ => $"The handler returned a {result.ResultCase} result for {assignment.WorkCase} work.",
    };

    /// <summary>The outcome's name for the log.</summary>
    public static string Describe(WorkResult result) => result.ResultCase switch
    {
        WorkResult.ResultOneofCase.Agent => result.Agent.Outcome.ToString(),
        WorkResult.ResultOneofCase.Verify => result.Verify.Outcome.ToString(),
        _ => "no result",
    };

    private static string Shorten(string message) => message.Length <= MaxMessageLength ? message : message[..MaxMessageLength];
}
