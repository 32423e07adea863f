using StackExchange.Redis;

namespace Iteration.Streaming.StackExchangeRedis.Connections;

/// <summary>Tells an outage (Redis unreachable, restarting, failing over; worth waiting out) from a real error.</summary>
internal static class RedisFailures
{
    private static readonly string[] TransientServerErrors = ["LOADING", "READONLY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN", "BUSY", "OOM"];

    public static bool IsTransient(Exception exception) => exception switch
    {
        RedisConnectionException or RedisTimeoutException or TimeoutException => true,
        RedisServerException server => TransientServerErrors.Any(e => server.Message.StartsWith(e, StringComparison.Ordinal)),
        _ => false,
    };
}
