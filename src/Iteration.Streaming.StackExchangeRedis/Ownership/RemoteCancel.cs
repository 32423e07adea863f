using Iteration.Streaming.ScaleOut;
using Iteration.Streaming.StackExchangeRedis.Connections;
using Iteration.Streaming.StackExchangeRedis.Diagnostics;
using Iteration.Streaming.StackExchangeRedis.Scripts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Iteration.Streaming.StackExchangeRedis.Ownership;

/// <summary>Cancel across instances (<see cref="RemoteSignal"/>): the owner's run stops with <see cref="RunSignal.CancelRequested"/>.</summary>
internal sealed class RemoteCancel(RedisConnection connection, RedisScriptGateway scripts, OwnedRuns owned, ILogger<RemoteCancel>? logger = null)
    : RemoteSignal(connection, scripts, owned, logger ?? (ILogger)NullLogger.Instance)
{
    public ValueTask<bool> RequestAsync(string generationId, CancellationToken cancellationToken) => SendAsync(generationId, cancellationToken);

    protected override Task<bool> MarkAsync(string generationId, CancellationToken cancellationToken) => Scripts.CancelAsync(generationId, cancellationToken);

    protected override RedisChannel Channel() => Scripts.Keys.CancelChannel(Scripts.Options.InstanceName);

    protected override void Deliver(string generationId, OwnedRun run)
    {
        Log.RemoteCancelReceived(Logger, generationId);
        run.Stop(RunSignal.CancelRequested);
    }

    protected override void Forwarded(string generationId) => Log.CancelForwarded(Logger, generationId);

    protected override void SubscriptionFailed(Exception exception) => Log.CancelSubscriptionFailed(Logger, exception);
}
