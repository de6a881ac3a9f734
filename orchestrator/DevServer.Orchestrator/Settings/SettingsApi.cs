using DevServer.Contracts.Settings.V1;
using DevServer.Orchestrator.Tasks;
using Rpc;

namespace DevServer.Orchestrator.Settings;

/// <summary>The run-time settings (the same row QueueService changes) and the masked list of secrets.</summary>
internal sealed class SettingsApi(SettingsStore store, SecretOverview secrets) : SettingsService.SettingsServiceBase
{
    public override async Task<GetSettingsResponse> GetSettings(GetSettingsRequest request, ServerCallContext context)
    {
        var response = new GetSettingsResponse { Settings = ToMessage(await store.ReadAsync(context.CancellationToken)) };
        response.Secrets.AddRange(await secrets.ListAsync(context.CancellationToken));
        return response;
    }

    public override async Task<UpdateSettingsResponse> UpdateSettings(UpdateSettingsRequest request, ServerCallContext context)
    {
        var change = new SettingsChange(
            Paused: request.HasQueuePaused ? request.QueuePaused : null,
            MaxConcurrency: request.HasMaxConcurrency ? request.MaxConcurrency : null,
            AutoEnqueue: request.HasAutoEnqueue ? request.AutoEnqueue : null,
            NotificationsEnabled: request.HasNotificationsEnabled ? request.NotificationsEnabled : null);
        if (change.IsEmpty)
        {
            throw TaskValidation.Invalid("set at least one of max_concurrency, queue_paused, auto_enqueue and notifications_enabled.");
        }

        return new UpdateSettingsResponse { Settings = ToMessage(await store.UpdateAsync(change, context.CancellationToken)) };
    }

    private static DevServer.Contracts.Settings.V1.Settings ToMessage(RuntimeSettings settings) => new()
    {
        MaxConcurrency = settings.MaxConcurrency,
        QueuePaused = settings.Paused,
        AutoEnqueue = settings.AutoEnqueue,
        NotificationsEnabled = settings.NotificationsEnabled,
    };
}
