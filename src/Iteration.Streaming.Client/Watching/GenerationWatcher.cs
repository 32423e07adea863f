using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Iteration.Streaming.Client.Diagnostics;
using Iteration.Streaming.Client.Http;
using Iteration.Streaming.Events;
using Microsoft.Extensions.Logging;

namespace Iteration.Streaming.Client.Watching;

/// <summary>
/// The reconnect loop that <see cref="SseParser"/> leaves out: watches one generation's stream until its terminal event,
/// resuming with <c>Last-Event-ID</c> after a dropped connection, a stream that ends early, or a silent stall; honours the
/// server's <c>retry:</c> and <c>Retry-After</c>; backs off exponentially with jitter; and checks sequence numbers so no
/// event is yielded twice or skipped.
/// </summary>
/// <remarks>
/// Only a terminal status ends a watch: a run at a review gate (<c>awaiting_input</c>) is watched on, through
/// heartbeats and the server's periodic stream closes, for as long as it waits.
/// </remarks>
internal sealed class GenerationWatcher(HttpClient http, IterationClientOptions options, TimeProvider time, ILogger logger)
{
    private static readonly MediaTypeWithQualityHeaderValue EventStream = new("text/event-stream");

    private readonly HttpClient _http = http;
    private readonly IterationClientOptions _options = options;
    private readonly TimeProvider _time = time;
    private readonly ILogger _logger = logger;

    public async IAsyncEnumerable<StreamingProgressEvent> WatchAsync(
        GenerationHandle handle,
        Uri streamUrl,
        long lastEventId,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var last = lastEventId;
        var failures = 0;
        TimeSpan? serverRetry = null;
        TimeSpan? retryAfter = null;
        Exception? lastError = null;
        var reason = string.Empty;

        while (true)
        {
            if (failures > 0)
            {
                if (_options.MaxConsecutiveFailures is { } max && failures > max)
                {
                    Log.GaveUp(_logger, handle.GenerationId, failures, last);
                    throw new IterationStreamException(
                        $"Watching generation '{handle.GenerationId}' gave up after {failures} failed attempts in a row ({reason}); the last event received was {last}.",
                        lastError) { LastEventId = last };
                }

                var delay = retryAfter
                    ?? ReconnectBackoff.Delay(failures, serverRetry ?? _options.InitialReconnectDelay, _options.MaxReconnectDelay, Random.Shared.NextDouble());
                retryAfter = null;
                Log.Reconnecting(_logger, handle.GenerationId, last, reason, delay, failures);
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            }

            // Cancelled by the stall guard: while waiting for the headers, and while a body read gets no bytes.
            using var stall = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stall.Token);

            HttpResponseMessage response;
            try
            {
                using var request = ApiResponses.Authorized(HttpMethod.Get, streamUrl, handle.Token);
                request.Headers.Accept.Add(EventStream);
                request.Headers.CacheControl = new CacheControlHeaderValue { NoCache = true };
                if (last > 0)
                {
                    request.Headers.TryAddWithoutValidation("Last-Event-ID", last.ToString(CultureInfo.InvariantCulture));
                }

                stall.CancelAfter(_options.StallTimeout);
                response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
                stall.CancelAfter(Timeout.InfiniteTimeSpan);
            }
            catch (Exception e) when (StreamRules.IsTransient(e, cancellationToken))
            {
                (failures, lastError, reason) = (failures + 1, e, StreamRules.Describe(e, stall));
                continue;
            }

            using (response)
            {
                if (response.StatusCode == HttpStatusCode.NoContent)
                {
                    Log.AlreadyFinished(_logger, handle.GenerationId, last);
                    yield break;
                }

                if (!response.IsSuccessStatusCode)
                {
                    var error = await ApiResponses.ErrorAsync(response, linked.Token).ConfigureAwait(false);
                    if (!StreamRules.IsRetryable(response.StatusCode))
                    {
                        throw error;
                    }

                    retryAfter = StreamRules.RetryAfter(response, _time, _options.MaxReconnectDelay);
                    (failures, lastError, reason) = (failures + 1, error, $"HTTP {(int)response.StatusCode}");
                    continue;
                }

                if (!string.Equals(response.Content.Headers.ContentType?.MediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase))
                {
                    (failures, lastError, reason) = (failures + 1, null, $"the answer was '{response.Content.Headers.ContentType}', not an event stream");
                    continue;
                }

                var opened = _time.GetTimestamp();
                var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                var parser = SseParser.Create(new StallGuardStream(body, stall, _options.StallTimeout), StreamRules.ParseEvent);
                var items = parser.EnumerateAsync(linked.Token).GetAsyncEnumerator(linked.Token);
                reason = "the stream ended before the terminal event";
                try
                {
                    while (true)
                    {
                        SseItem<StreamingProgressEvent?> item;
                        try
                        {
                            if (!await items.MoveNextAsync().ConfigureAwait(false))
                            {
                                break;
                            }

                            item = items.Current;
                        }
                        catch (Exception e) when (StreamRules.IsTransient(e, cancellationToken))
                        {
                            (lastError, reason) = (e, StreamRules.Describe(e, stall));
                            break;
                        }
                        finally
                        {
                            serverRetry = StreamRules.ServerRetry(parser, _options.MaxReconnectDelay) ?? serverRetry;
                        }

                        if (!long.TryParse(item.EventId, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id <= last)
                        {
                            // No id (not ours) or one already yielded (a replay overlapping what we have).
                            continue;
                        }

                        if (id != last + 1 && item.Data?.Replay is null)
                        {
                            Log.SequenceGap(_logger, handle.GenerationId, id, last);
                            reason = $"event {id} arrived after {last}";
                            break;
                        }

                        last = id;
                        failures = 0;
                        if (item.Data is null)
                        {
                            Log.InvalidEvent(_logger, handle.GenerationId, id);
                            continue;
                        }

                        yield return item.Data;
                        if (item.Data.IsTerminal)
                        {
                            yield break;
                        }
                    }
                }
                finally
                {
                    await items.DisposeAsync().ConfigureAwait(false);
                }

                // A connection that stayed healthy for a whole stall timeout (bytes kept coming: events or heartbeats)
                // and then ended was a working attempt, as one that delivered an event is: the server closes streams
                // at their lifetime, and a run waiting hours at a review gate sends no events, only heartbeats.
                if (!stall.IsCancellationRequested && _time.GetElapsedTime(opened) >= _options.StallTimeout)
                {
                    failures = 0;
                }
            }

            failures++;
        }
    }
}
