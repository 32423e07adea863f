using Iteration.Streaming.ScaleOut;
using Iteration.Streaming.StackExchangeRedis.Connections;
using Iteration.Streaming.StackExchangeRedis.Diagnostics;
using Iteration.Streaming.StackExchangeRedis.Scripts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Iteration.Streaming.StackExchangeRedis.Ownership;

/// <summary>
/// Input across instances (<see cref="IRunCoordinator.NotifyInputAsync"/>, a <see cref="RemoteSignal"/>): the owner's run
/// gets <see cref="RunSignal.InputArrived"/>, which is not a stop: the input itself is in the record.
/// </summary>
internal sealed class RemoteInput(RedisConnection connection, RedisScriptGateway scripts, OwnedRuns owned, ILogger<RemoteInput>? logger = null)
    : RemoteSignal(connection, scripts, owned, logger ?? (ILogger)NullLogger.Instance)
{
    public ValueTask<bool> NotifyAsync(string generationId, CancellationToken cancellationToken) => SendAsync(generationId, cancellationToken);

    protected override Task<bool> MarkAsync(string generationId, CancellationToken cancellationToken) => Scripts.NotifyInputAsync(generationId, cancellationToken);

    protected override RedisChannel Channel() => Scripts.Keys.InputChannel(Scripts.Options.InstanceName);

    protected override void Deliver(string generationId, OwnedRun run)
    {
        Log.RemoteInputReceived(Logger, generationId);
        run.InputArrived();
    }

    protected override void Forwarded(string generationId) => Log.InputForwarded(Logger, generationId);

    protected override void SubscriptionFailed(Exception exception) => Log.InputSubscriptionFailed(Logger, exception);
}
