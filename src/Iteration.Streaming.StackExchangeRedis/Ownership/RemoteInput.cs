using Iteration.Streaming.ScaleOut;
using Iteration.Streaming.StackExchangeRedis.Connections;
using Iteration.Streaming.StackExchangeRedis.Diagnostics;
using Iteration.Streaming.StackExchangeRedis.Scripts;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Iteration.Streaming.StackExchangeRedis.Ownership;

/// <summary>
/// Input across instances (<see cref="IRunCoordinator.NotifyInputAsync"/>), the way <see cref="RemoteCancel"/> carries a
/// cancel: a mark in the generation's meta, which the owner takes at its next renewal (it survives a lost message), plus
/// a message on the owner's input channel, which makes it immediate. The owner's run gets
/// <see cref="RunSignal.InputArrived"/>, which is not a stop: the input itself is in the record.
/// </summary>
internal sealed class RemoteInput(RedisConnection connection, RedisScriptGateway scripts, OwnedRuns owned, ILogger<RemoteInput>? logger = null)
{
    private readonly ILogger _logger = logger ?? (ILogger)NullLogger.Instance;
    private bool _subscribed;

    public async ValueTask<bool> NotifyAsync(string generationId, CancellationToken cancellationToken)
    {
        if (!RedisKeys.IsValidGenerationId(generationId))
        {
            return false;
        }

        var told = await scripts.NotifyInputAsync(generationId, cancellationToken).ConfigureAwait(false);
        if (told)
        {
            Log.InputForwarded(_logger, generationId);
        }

        return told;
    }

    /// <summary>Subscribes to this instance's input channel, once (the multiplexer subscribes again after a reconnect).</summary>
    public async Task SubscribeAsync()
    {
        if (_subscribed || connection.Multiplexer is not { } multiplexer)
        {
            return;
        }

        try
        {
            await multiplexer.GetSubscriber().SubscribeAsync(scripts.Keys.InputChannel(scripts.Options.InstanceName), (_, message) => OnMessage(message))
                .ConfigureAwait(false);
            _subscribed = true;
        }
        catch (Exception ex) when (RedisFailures.IsTransient(ex))
        {
            // Input still arrives as the mark read at each renewal, and the next round subscribes.
            Log.InputSubscriptionFailed(_logger, ex);
        }
    }

    public async Task UnsubscribeAsync()
    {
        if (_subscribed && connection.Multiplexer is { IsConnected: true } multiplexer)
        {
            try
            {
                await multiplexer.GetSubscriber().UnsubscribeAsync(scripts.Keys.InputChannel(scripts.Options.InstanceName)).ConfigureAwait(false);
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
            Log.RemoteInputReceived(_logger, generationId);
            run.InputArrived();
        }
    }
}
