using Iteration.Streaming.Files;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Iteration.Streaming.AspNetCore.Health;

/// <summary>
/// Healthy while the file sink can save: the file-system sink writes and deletes a probe file in its folder; another
/// sink must answer a manifest lookup (of an id no generation has). Without a working sink no phase can be saved.
/// </summary>
internal sealed class FileSinkHealthCheck(IServiceProvider services) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var sink = services.GetRequiredService<IFileSink>();
            if (sink is FileSystemFileSink fileSystem)
            {
                Directory.CreateDirectory(fileSystem.Root);
                var probe = Path.Join(fileSystem.Root, $".health-{Guid.NewGuid():N}");
                await File.WriteAllBytesAsync(probe, [], cancellationToken).ConfigureAwait(false);
                File.Delete(probe);
                return HealthCheckResult.Healthy(data: new Dictionary<string, object> { ["sink"] = "file-system", ["writable"] = true });
            }

            await sink.GetManifestAsync(RecordStoreHealthCheck.ProbeId, cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy(data: new Dictionary<string, object> { ["sink"] = sink.GetType().Name });
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "The file sink cannot save files.", ex);
        }
    }
}
