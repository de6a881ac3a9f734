using DevServer.Orchestrator.Hosting;

namespace DevServer.Orchestrator.Logs;

/// <summary>
/// "New entries were committed" for this instance's watchers: woken by <c>NOTIFY devserver_logs</c> from any instance
/// (and by a reconnect of the listener). A watcher takes <see cref="NextChange"/> before it reads the table and waits
/// on it afterwards, so a commit between the read and the wait is never slept through.
/// </summary>
internal sealed class LogFeed
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public LogFeed(PostgresNotifications notifications) => notifications.Subscribe(PostgresNotifications.LogsChannel, Signal);

    /// <summary>Completes at the next change after this property was read.</summary>
    public Task NextChange => Volatile.Read(ref _next).Task;

    public void Signal() =>
        Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
