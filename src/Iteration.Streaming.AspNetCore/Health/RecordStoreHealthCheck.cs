using Iteration.Streaming.Engine;
using Iteration.Streaming.Records;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Iteration.Streaming.AspNetCore.Health;

/// <summary>
/// Healthy while the generation record store (and, with SQLite, the event log in the same file) can write: it writes the
/// store's probe (<see cref="IGenerationRecordStore.ProbeWriteAsync"/>) at most once per
/// <see cref="GenerationStorageHealth.ProbeInterval"/>, and is unhealthy from a refused write (a probe's, or a run's or
/// an admission's that the engine reported) until a probe writes again. Without it nothing can start, resume or end on record.
/// </summary>
internal sealed class RecordStoreHealthCheck(IServiceProvider services) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var store = services.GetRequiredService<IGenerationRecordStore>();
        var health = services.GetRequiredService<GenerationStorageHealth>();
        var data = new Dictionary<string, object>(StringComparer.Ordinal) { ["store"] = store.GetType().Name };
        if (health.TryStartProbe(GenerationStoragePart.Records))
        {
            try
            {
                await store.ProbeWriteAsync(cancellationToken).ConfigureAwait(false);
                health.ReportSuccess(GenerationStoragePart.Records);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                health.ReportFailure(GenerationStoragePart.Records);
                return new HealthCheckResult(
                    context.Registration.FailureStatus, "The generation record store refused a write (full or unavailable).", ex, StorageHealthData.Add(data, health, GenerationStoragePart.Records));
            }
        }

        return StorageHealthData.Result(context, health, GenerationStoragePart.Records, data, "The generation record store refused writes");
    }
}
