using Iteration.Streaming.StackExchangeRedis.Connections;
using Iteration.Streaming.StackExchangeRedis.EventLog;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Iteration.Streaming.StackExchangeRedis.Health;

/// <summary>
/// Reports the Redis backplane's state: <see cref="HealthStatus.Healthy"/> when Redis answers a <c>PING</c> and the tail
/// reader is reading, <see cref="HealthStatus.Degraded"/> when Redis answers but the tail reader's last read failed,
/// and the registration's failure status when Redis does not answer.
/// </summary>
/// <remarks>
/// Registered by <c>AddStackExchangeRedis</c>; add it to the host's checks with
/// <c>services.AddHealthChecks().AddCheck&lt;RedisBackplaneHealthCheck&gt;("redis")</c>.
/// The result's data: <c>instance</c>, <c>latency_ms</c>, <c>watched_generations</c>, and <c>tail_last_error_at</c> after a failure.
/// </remarks>
public sealed class RedisBackplaneHealthCheck : IHealthCheck
{
    private readonly RedisConnection _connection;
    private readonly RedisStreamTail _tail;

    internal RedisBackplaneHealthCheck(RedisConnection connection, RedisStreamTail tail)
    {
        _connection = connection;
        _tail = tail;
    }

    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var failureStatus = context.Registration?.FailureStatus ?? HealthStatus.Unhealthy;
        var tail = _tail.Status;
        var data = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["instance"] = _connection.Options.InstanceName,
            ["watched_generations"] = tail.WatchedGenerations,
        };
        if (tail.LastErrorAt is { } failedAt)
        {
            data["tail_last_error_at"] = failedAt;
        }

        try
        {
            var database = await _connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
            if (_connection.Multiplexer is not { IsConnected: true })
            {
                return new HealthCheckResult(failureStatus, "Redis is not connected.", data: data);
            }

            var latency = await database.PingAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            data["latency_ms"] = latency.TotalMilliseconds;
            return tail.Failing
                ? new HealthCheckResult(HealthStatus.Degraded, "Redis answers, but the tail reader's last read failed; live events reach local watchers late.", tail.LastError, data)
                : HealthCheckResult.Healthy($"Redis answered in {latency.TotalMilliseconds:0.0} ms.", data);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return new HealthCheckResult(failureStatus, "Redis does not answer.", ex, data);
        }
    }
}
