using Iteration.Streaming.Engine;
using Iteration.Streaming.Files;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Iteration.Streaming.AspNetCore.Health;

/// <summary>
/// Healthy while the file sink can save: the file-system sink writes (and deletes) a small probe file in its folder;
/// another sink answers a manifest lookup of an id no generation has. It probes at most once per
/// <see cref="GenerationStorageHealth.ProbeInterval"/>, and is unhealthy from a refused write (a probe's, or a run's that
/// the engine reported) until a probe writes again. Without a working sink no phase can be saved.
/// </summary>
internal sealed class FileSinkHealthCheck(IServiceProvider services) : IHealthCheck
{
    /// <summary>The probe file, at the sink's root: one fixed name (overwritten, then deleted), never a generation's folder.</summary>
    internal const string ProbeFileName = ".iteration-streaming-health-probe";

    /// <summary>The probe's size: one page of a file system, enough to fail on a full disk where an empty file would not.</summary>
    internal const int ProbeBytes = 4_096;

    private const string ProbeId = "iteration-streaming-health-probe";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var sink = services.GetRequiredService<IFileSink>();
        var health = services.GetRequiredService<GenerationStorageHealth>();
        var data = new Dictionary<string, object>(StringComparer.Ordinal) { ["sink"] = sink is FileSystemFileSink ? "file-system" : sink.GetType().Name };

        if (health.TryStartProbe(GenerationStoragePart.Files))
        {
            try
            {
                if (sink is FileSystemFileSink files)
                {
                    await ProbeAsync(files.Root, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await sink.GetManifestAsync(ProbeId, cancellationToken).ConfigureAwait(false);
                }

                health.ReportSuccess(GenerationStoragePart.Files);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                health.ReportFailure(GenerationStoragePart.Files);
                return new HealthCheckResult(
                    context.Registration.FailureStatus, "The file sink cannot save files (its disk is full or unavailable).", ex, StorageHealthData.Add(data, health, GenerationStoragePart.Files));
            }
        }

        if (sink is FileSystemFileSink)
        {
            data["writable"] = !health.GetStatus(GenerationStoragePart.Files).IsFailing;
        }

        return StorageHealthData.Result(context, health, GenerationStoragePart.Files, data, "The file sink refused writes");
    }

    private static async Task ProbeAsync(string root, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(root);
        var probe = Path.Join(root, ProbeFileName);
        try
        {
            await File.WriteAllBytesAsync(probe, new byte[ProbeBytes], cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(probe);
        }
    }
}
