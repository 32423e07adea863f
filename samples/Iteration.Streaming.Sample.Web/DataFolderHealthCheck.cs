using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Iteration.Streaming.Sample.Web;

/// <summary>Healthy while the file-system sink can write to its folder: without it no phase can be saved.</summary>
internal sealed class DataFolderHealthCheck(string root) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            Directory.CreateDirectory(root);
            var probe = Path.Combine(root, $".health-{Guid.NewGuid():N}");
            await File.WriteAllBytesAsync(probe, [], cancellationToken);
            File.Delete(probe);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return HealthCheckResult.Unhealthy("The generations folder is not writable.", ex);
        }
    }
}
