using Iteration.Streaming.StackExchangeRedis.Connections;
using Iteration.Streaming.StackExchangeRedis.Scripts;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Iteration.Streaming.StackExchangeRedis.Ownership;

/// <summary>
/// A signal for a run's owner sent from any instance: a mark in the generation's meta, which the owner reads at every
/// renewal (it survives a lost message or a reconnecting subscriber, and reaches whoever takes the run over), plus a
/// pub/sub message on the owner's channel for the signal, which makes it immediate; this instance listens on its own.
/// </summary>
internal abstract class RemoteSignal(RedisConnection connection, RedisScriptGateway scripts, OwnedRuns owned, ILogger logger)
{
    private bool _subscribed;

    protected ILogger Logger => logger;

    protected RedisScriptGateway Scripts => scripts;

    /// <summary>Marks the generation and tells its owner; <see langword="false"/> when nobody holds it.</summary>
    public async ValueTask<bool> SendAsync(string generationId, CancellationToken cancellationToken)
    {
        if (!RedisKeys.IsValidGenerationId(generationId))
        {
            return false;
        }

        var sent = await MarkAsync(generationId, cancellationToken).ConfigureAwait(false);
        if (sent)
        {
            Forwarded(generationId);
        }

        return sent;
    }

    /// <summary>Subscribes to this instance's channel for the signal, once (the multiplexer subscribes again after a reconnect).</summary>
    public async Task SubscribeAsync()
    {
        if (_subscribed || connection.Multiplexer is not { } multiplexer)
        {
            return;
        }

        try
        {
            await multiplexer.GetSubscriber().SubscribeAsync(Channel(), (_, message) => OnMessage(message)).ConfigureAwait(false);
            _subscribed = true;
        }
        catch (Exception ex) when (RedisFailures.IsTransient(ex))
        {
            // Renewal goes on; the signal still arrives as the mark read at each renewal, and the next round subscribes.
            SubscriptionFailed(ex);
        }
    }

    public async Task UnsubscribeAsync()
    {
        if (_subscribed && connection.Multiplexer is { IsConnected: true } multiplexer)
        {
            try
            {
                await multiplexer.GetSubscriber().UnsubscribeAsync(Channel()).ConfigureAwait(false);
            }
            catch (Exception ex) when (RedisFailures.IsTransient(ex) || ex is ObjectDisposedException)
            {
                // Going away anyway: the server drops the subscription with the connection.
            }
        }
    }

    /// <summary>Sets the mark and publishes the message (one script).</summary>
    protected abstract Task<bool> MarkAsync(string generationId, CancellationToken cancellationToken);

    /// <summary>This instance's channel for the signal.</summary>
    protected abstract RedisChannel Channel();

    /// <summary>Hands the signal to the run this instance holds.</summary>
    protected abstract void Deliver(string generationId, OwnedRun run);

    protected abstract void Forwarded(string generationId);

    protected abstract void SubscriptionFailed(Exception exception);

    private void OnMessage(RedisValue message)
    {
        if ((string?)message is { } generationId && owned.Find(generationId) is { Released: false } run)
        {
            Deliver(generationId, run);
        }
    }
}
