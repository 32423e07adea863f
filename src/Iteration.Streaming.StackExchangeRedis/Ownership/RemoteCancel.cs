using Iteration.Streaming.ScaleOut;
using Iteration.Streaming.StackExchangeRedis.Connections;
using Iteration.Streaming.StackExchangeRedis.Diagnostics;
using Iteration.Streaming.StackExchangeRedis.Scripts;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Iteration.Streaming.StackExchangeRedis.Ownership;

/// <summary>
/// Cancel across instances. A request is a mark in the generation's meta, which the owner reads at every renewal (it
/// survives a lost message or a reconnecting subscriber, and reaches whoever takes the run over), plus a pub/sub message
/// on the owner's channel, which makes it immediate; this instance listens on its own channel.
/// </summary>
internal sealed class RemoteCancel(RedisConnection connection, RedisScriptGateway scripts, OwnedRuns owned, ILogger<RemoteCancel>? logger = null)
{
    private readonly ILogger _logger = logger ?? (ILogger)NullLogger.Instance;
    private bool _subscribed;

    public async ValueTask<bool> RequestAsync(string generationId, CancellationToken cancellationToken)
    {
        if (!RedisKeys.IsValidGenerationId(generationId))
        {
            return false;
        }

        var requested = await scripts.CancelAsync(generationId, cancellationToken).ConfigureAwait(false);
        if (requested)
        {
            Log.CancelForwarded(_logger, generationId);
        }

        return requested;
    }

    /// <summary>Subscribes to this instance's cancel channel, once (the multiplexer subscribes again after a reconnect).</summary>
    public async Task SubscribeAsync()
    {
        if (_subscribed || connection.Multiplexer is not { } multiplexer)
        {
            return;
        }

        try
        {
            await multiplexer.GetSubscriber().SubscribeAsync(scripts.Keys.CancelChannel(scripts.Options.InstanceName), (_, message) => OnMessage(message))
                .ConfigureAwait(false);
            _subscribed = true;
        }
        catch (Exception ex) when (RedisFailures.IsTransient(ex))
        {
            // Renewal goes on; cancel requests still arrive as the mark read at each renewal, and the next round subscribes.
            Log.CancelSubscriptionFailed(_logger, ex);
        }
    }

    public async Task UnsubscribeAsync()
    {
        if (_subscribed && connection.Multiplexer is { IsConnected: true } multiplexer)
        {
            try
            {
                await multiplexer.GetSubscriber().UnsubscribeAsync(scripts.Keys.CancelChannel(scripts.Options.InstanceName)).ConfigureAwait(false);
            }
            catch (Exception ex) when (RedisFailures.IsTransient(ex) || ex is ObjectDisposedException)
            {
                // Going away anyway: the server drops the subscription with the connection.
            }
        }
    }

    private void OnMessage(RedisValue message)
    {
        if ((string?)message is { } generationId && owned.Find(generationId) is { Released: false } run)
        {
            Log.RemoteCancelReceived(_logger, generationId);
            run.Stop(RunSignal.CancelRequested);
        }
    }
}
