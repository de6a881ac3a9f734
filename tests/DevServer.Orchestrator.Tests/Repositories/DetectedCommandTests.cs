using DevServer.Contracts.Events.V1;
using DevServer.Contracts.Mesh.V1;
using DevServer.Contracts.Queue.V1;
using DevServer.Contracts.Repositories.V1;
using DevServer.Contracts.Tasks.V1;
using DevServer.Contracts.Work.V1;
using DevServer.Orchestrator.Tests.Tasks;

namespace DevServer.Orchestrator.Tests.Repositories;

/// <summary>
/// Repository.detected_commands: a fake verifier takes a task's verification over the mesh and reports StageStarted
/// events; the stages with a detected_from are remembered on the task's repository, the latest one per stage.
/// </summary>
public sealed class DetectedCommandTests(ApiOrchestratorFixture orchestrator) : IClassFixture<ApiOrchestratorFixture>, IAsyncLifetime
{
    private const int TimeoutMs = 90_000;

    public async ValueTask InitializeAsync() =>
        await orchestrator.Queue.UpdateQueueAsync(
            new UpdateQueueRequest { Paused = false, MaxConcurrency = 10 }, cancellationToken: TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact(Timeout = TimeoutMs)]
    public async Task StageStarted_DetectedStages_ShownOnTheRepositoryAndANewerDetectionReplacesTheOlder()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct, request => request.Commands = new VerificationCommands { Test = "make test" });

        var (first, firstVerifier, firstAssignment) = await VerifyAsync(repository, ct);
        using (firstVerifier)
        {
            await SendEventsAsync(firstVerifier, firstAssignment, ct,
                Started(1, StageKind.Build, "dotnet build App.sln", "App.sln"),
                Started(2, StageKind.Test, "make test", ""),
                Started(3, StageKind.Lint, "npm run lint", "package.json script \"lint\""));

            var shown = await GetAsync(repository, ct);
            Assert.Equal(
                [(StageKind.Build, "dotnet build App.sln", "App.sln", first.Id), (StageKind.Lint, "npm run lint", "package.json script \"lint\"", first.Id)],
                shown.DetectedCommands.Select(d => (d.Stage, d.Command, d.DetectedFrom, d.TaskId)));
            Assert.All(shown.DetectedCommands, d => Assert.NotNull(d.DetectedAt));
            var listed = Assert.Single(
                (await orchestrator.Repositories.ListRepositoriesAsync(new ListRepositoriesRequest(), cancellationToken: ct)).Repositories,
                r => r.Id == repository.Id);
            Assert.Equal(shown.DetectedCommands, listed.DetectedCommands);

            // A resend of a stored event changes nothing.
            await SendEventsAsync(firstVerifier, firstAssignment, ct, Started(1, StageKind.Build, "stale", "stale"));
            Assert.Equal("dotnet build App.sln", (await GetAsync(repository, ct)).DetectedCommands[0].Command);

            await orchestrator.Tasks.CancelTaskAsync(new CancelTaskRequest { Id = first.Id }, cancellationToken: ct);
        }

        var (second, secondVerifier, secondAssignment) = await VerifyAsync(repository, ct);
        using (secondVerifier)
        {
            await SendEventsAsync(secondVerifier, secondAssignment, ct, Started(1, StageKind.Build, "make", "Makefile target \"all\""));

            var replaced = await GetAsync(repository, ct);
            Assert.Equal(
                [(StageKind.Build, "make", "Makefile target \"all\"", second.Id), (StageKind.Lint, "npm run lint", "package.json script \"lint\"", first.Id)],
                replaced.DetectedCommands.Select(d => (d.Stage, d.Command, d.DetectedFrom, d.TaskId)));
            Assert.True(replaced.DetectedCommands[0].DetectedAt.ToDateTimeOffset() >= replaced.DetectedCommands[1].DetectedAt.ToDateTimeOffset());

            await orchestrator.Tasks.CancelTaskAsync(new CancelTaskRequest { Id = second.Id }, cancellationToken: ct);
        }
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task StageStarted_WithoutDetectedFrom_NothingRecorded()
    {
        var ct = TestContext.Current.CancellationToken;
        var repository = await orchestrator.AddRepositoryAsync(ct, request =>
            request.Commands = new VerificationCommands { Build = "make", Test = "make test" });

        var (task, verifier, assignment) = await VerifyAsync(repository, ct);
        using (verifier)
        {
            await SendEventsAsync(verifier, assignment, ct,
                Started(1, StageKind.Build, "make", ""),
                Started(2, StageKind.Test, "make test", ""));

            Assert.Empty((await GetAsync(repository, ct)).DetectedCommands);
            // The events themselves are stored as always.
            Assert.Equal(2, (await orchestrator.ReadEventsAsync(task.Id, ct)).Count(e => e.StageStarted is not null));

            await orchestrator.Tasks.CancelTaskAsync(new CancelTaskRequest { Id = task.Id }, cancellationToken: ct);
        }
    }

    /// <summary>
    /// Runs a task of <paramref name="repository"/> through a fake agent that made one commit, then hands its
    /// verification to a fresh fake verifier (the only one connected: the previous test's is disposed).
    /// </summary>
    private async Task<(AgentTask Task, FakeWorker Verifier, Assignment Assignment)> VerifyAsync(Repository repository, CancellationToken cancellationToken)
    {
        var vendor = orchestrator.UniqueName("fake");
        AgentTask task;
        using (var agent = await FakeWorker.ConnectAsync(orchestrator.Mesh, FakeWorker.VendorHello(vendor), cancellationToken))
        {
            task = await orchestrator.CreateTaskAsync(repository, $"work for {vendor}", cancellationToken, request =>
            {
                request.Vendor = vendor;
                request.Enqueue = true;
            });
            var work = await agent.NextAssignmentAsync(cancellationToken);
            Assert.Equal(task.Id, work.TaskId);
            var answer = await agent.SendResultAsync(work, new AgentResult
            {
                Outcome = AgentOutcome.Succeeded,
                ExitCode = 0,
                BaseCommit = new string('a', 40),
                HeadCommit = new string('b', 40),
                CommitCount = 1,
            }, cancellationToken);
            Assert.True(answer.Acknowledgement?.ResultStored, $"Expected the result to be stored, got {answer}");
        }

        var hello = FakeWorker.VendorHello("ignored");
        hello.Kind = WorkerKind.Verifier;
        hello.Name = orchestrator.UniqueName("verifier");
        var verifier = await FakeWorker.ConnectAsync(orchestrator.Mesh, hello, cancellationToken);
        try
        {
            var message = await verifier.ReadAsync(cancellationToken);
            var assignment = message.Assignment is { Verify: not null } verify
                ? verify
                : throw new InvalidOperationException($"Expected a verify assignment, got {message}");
            Assert.Equal(task.Id, assignment.TaskId);
            return (task, verifier, assignment);
        }
        catch
        {
            verifier.Dispose();
            throw;
        }
    }

    private static async Task SendEventsAsync(FakeWorker verifier, Assignment assignment, CancellationToken cancellationToken, params WorkEvent[] events)
    {
        var batch = new WorkEvents { AssignmentId = assignment.AssignmentId };
        batch.Events.Add(events);
        await verifier.SendAsync(new ConnectRequest { Events = batch }, cancellationToken);
        var answer = await verifier.ReadAsync(cancellationToken);
        Assert.Equal(assignment.AssignmentId, answer.Acknowledgement?.AssignmentId);
    }

    private static WorkEvent Started(long sequence, StageKind stage, string command, string detectedFrom) => new()
    {
        Sequence = sequence,
        StageStarted = new StageStarted { Stage = stage, Command = command, DetectedFrom = detectedFrom },
    };

    private async Task<Repository> GetAsync(Repository repository, CancellationToken cancellationToken) =>
        (await orchestrator.Repositories.GetRepositoryAsync(
            new GetRepositoryRequest { Repository = repository.Name }, cancellationToken: cancellationToken)).Repository;
}
