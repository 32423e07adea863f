using System.Globalization;
using Iteration.Streaming.Engine;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Iteration.Streaming.AspNetCore.Health;

/// <summary>The part of a storage check's answer that comes from <see cref="GenerationStorageHealth"/>.</summary>
internal static class StorageHealthData
{
    /// <summary>Adds <c>write_failures</c>, <c>last_write_failure_at</c> and <c>last_write_at</c> to <paramref name="data"/>.</summary>
    public static Dictionary<string, object> Add(Dictionary<string, object> data, GenerationStorageHealth health, GenerationStoragePart part)
    {
        var status = health.GetStatus(part);
        data["write_failures"] = status.FailureCount;
        if (status.LastFailureAt is { } failedAt)
        {
            data["last_write_failure_at"] = failedAt.ToString("O", CultureInfo.InvariantCulture);
        }

        if (status.LastSuccessAt is { } wroteAt)
        {
            data["last_write_at"] = wroteAt.ToString("O", CultureInfo.InvariantCulture);
        }

        return data;
    }

    /// <summary>Healthy, or the registration's failure status while the part is failing.</summary>
    public static HealthCheckResult Result(HealthCheckContext context, GenerationStorageHealth health, GenerationStoragePart part, Dictionary<string, object> data, string failing)
    {
        var status = health.GetStatus(part);
        Add(data, health, part);
        return status.IsFailing
            ? new HealthCheckResult(
                context.Registration.FailureStatus,
                string.Create(CultureInfo.InvariantCulture, $"{failing} ({status.FailureCount} so far, the last at {status.LastFailureAt:O}); healthy again once a probe writes."),
                data: data)
            : HealthCheckResult.Healthy(data: data);
    }
}
