using Iteration.Streaming.Engine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Iteration.Streaming.AspNetCore.Health;

/// <summary>
/// Healthy while the generation record store answers a lookup (of an id no generation has): without it nothing can
/// start, resume or be authorised.
/// </summary>
internal sealed class RecordStoreHealthCheck(IServiceProvider services) : IHealthCheck
{
    internal const string ProbeId = "iteration-streaming-health-probe";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var store = services.GetRequiredService<IGenerationRecordStore>();
            await store.GetAsync(ProbeId, cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy(data: new Dictionary<string, object> { ["store"] = store.GetType().Name });
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "The generation record store did not answer.", ex);
        }
    }
}
