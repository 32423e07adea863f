using Iteration.Streaming.StackExchangeRedis.Connections;
using Iteration.Streaming.StackExchangeRedis.EventLog;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Iteration.Streaming.StackExchangeRedis.Health;

/// <summary>
/// Reports the Redis backplane's state (<c>state</c> in the result's data):
/// <list type="bullet">
/// <item><c>connected</c>: Redis answers a <c>PING</c> and no event waits for it. <see cref="HealthStatus.Healthy"/>, or
/// <see cref="HealthStatus.Degraded"/> when the tail reader's last read failed.</item>
/// <item><c>buffering</c>: events wait in memory for Redis (an outage, or catching up after one), within the limits.
/// <see cref="HealthStatus.Degraded"/>: nothing is lost yet.</item>
/// <item><c>failed</c>: Redis does not answer and nothing can wait for it, or an outage went past its limits and runs
/// were stopped. The registration's failure status.</item>
/// </list>
/// </summary>
/// <remarks>
/// Registered by <c>AddStackExchangeRedis</c>; add it to the host's checks with
/// <c>services.AddHealthChecks().AddCheck&lt;RedisBackplaneHealthCheck&gt;("redis")</c>.
/// The result's data: <c>state</c>, <c>instance</c>, <c>latency_ms</c>, <c>watched_generations</c>, <c>buffered_events</c>,
/// <c>buffering_since</c> while events wait, <c>runs_stopped_by_outage</c>, and <c>tail_last_error_at</c> after a failure.
/// </remarks>
public sealed class RedisBackplaneHealthCheck : IHealthCheck
{
    private readonly RedisConnection _connection;
    private readonly RedisStreamTail _tail;
    private readonly OutageBuffer _buffer;

    internal RedisBackplaneHealthCheck(RedisConnection connection, RedisStreamTail tail, OutageBuffer buffer)
    {
        _connection = connection;
        _tail = tail;
        _buffer = buffer;
    }

    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var failureStatus = context.Registration?.FailureStatus ?? HealthStatus.Unhealthy;
        var tail = _tail.Status;
        var buffer = _buffer.Status;
        var data = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["instance"] = _connection.Options.InstanceName,
            ["watched_generations"] = tail.WatchedGenerations,
            ["buffered_events"] = buffer.Events,
            ["runs_stopped_by_outage"] = buffer.StoppedRunsTotal,
        };
        if (tail.LastErrorAt is { } failedAt)
        {
            data["tail_last_error_at"] = failedAt;
        }

        if (buffer.OldestSince is { } since)
        {
            data["buffering_since"] = since;
        }

        if (buffer.StoppedGenerations > 0)
        {
            var stopped = buffer.StoppedGenerations == 1 ? "1 run was" : $"{buffer.StoppedGenerations} runs were";
            return Result(failureStatus, "failed", $"Redis was unreachable past the outage limits: {stopped} stopped; {buffer.Events} events wait for Redis.", null, data);
        }

        try
        {
            var database = await _connection.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
            if (_connection.Multiplexer is not { IsConnected: true })
            {
                return Unreachable(failureStatus, buffer, null, data);
            }

            var latency = await database.PingAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            data["latency_ms"] = latency.TotalMilliseconds;
            if (buffer.Events > 0)
            {
                return Result(HealthStatus.Degraded, "buffering", $"Redis answers; {buffer.Events} events of {buffer.Generations} runs that waited for it are being written.", null, data);
            }

            return tail.Failing
                ? Result(HealthStatus.Degraded, "connected", "Redis answers, but the tail reader's last read failed; live events reach local watchers late.", tail.LastError, data)
                : Result(HealthStatus.Healthy, "connected", $"Redis answered in {latency.TotalMilliseconds:0.0} ms.", null, data);
        }
        catch (Exception ex) when (RedisFailures.IsTransient(ex))
        {
            return Unreachable(failureStatus, buffer, ex, data);
        }
    }

    private static HealthCheckResult Unreachable(HealthStatus failureStatus, AppendBufferStatus buffer, Exception? exception, Dictionary<string, object> data) =>
        buffer.Events > 0
            ? Result(HealthStatus.Degraded, "buffering", $"Redis does not answer; {buffer.Events} events of {buffer.Generations} runs wait for it in memory, in order.", exception, data)
            : Result(failureStatus, "failed", "Redis does not answer.", exception, data);

    private static HealthCheckResult Result(HealthStatus status, string state, string description, Exception? exception, Dictionary<string, object> data)
    {
        data["state"] = state;
        return new HealthCheckResult(status, description, exception, data);
    }
}
