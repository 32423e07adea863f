using System.Net;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Iteration.Streaming.Client.Http;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.Client.Watching;

/// <summary>
/// The reconnect loop that <see cref="SseParser"/> leaves out, shared by every watch of the client (one generation's
/// stream, or a multiplexed one): follows a stream, resuming after a dropped connection, a stream that ends early, or a
/// silent stall; honours the server's <c>retry:</c> and <c>Retry-After</c>; backs off exponentially with jitter; gives up
/// after <see cref="IterationClientOptions.MaxConsecutiveFailures"/> failed attempts in a row. What a position is, which
/// events to yield and when the watch ends is the <see cref="IWatchedStream"/>'s.
/// </summary>
internal sealed class ReconnectLoop(HttpClient http, IterationClientOptions options, TimeProvider time)
{
    private static readonly MediaTypeWithQualityHeaderValue EventStream = new("text/event-stream");

    public async IAsyncEnumerable<StreamingProgressEvent> RunAsync(IWatchedStream watched, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var failures = 0;
        TimeSpan? serverRetry = null;
        TimeSpan? retryAfter = null;
        Exception? lastError = null;
        var reason = string.Empty;

        while (true)
        {
            if (failures > 0)
            {
                if (options.MaxConsecutiveFailures is { } max && failures > max)
                {
                    throw watched.GiveUp(failures, reason, lastError);
                }

                var delay = retryAfter
                    ?? ReconnectBackoff.Delay(failures, serverRetry ?? options.InitialReconnectDelay, options.MaxReconnectDelay, Random.Shared.NextDouble());
                retryAfter = null;
                watched.Reconnecting(reason, delay, failures);
                await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
            }

            // Cancelled by the stall guard: while waiting for the headers, and while a body read gets no bytes.
            using var stall = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stall.Token);

            HttpResponseMessage response;
            try
            {
                using var request = watched.CreateRequest();
                request.Headers.Accept.Add(EventStream);
                request.Headers.CacheControl = new CacheControlHeaderValue { NoCache = true };
                stall.CancelAfter(options.StallTimeout);
                response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
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
                    if (watched.EndsOnNoContent(out var notEnded))
                    {
                        yield break;
                    }

                    (failures, lastError, reason) = (failures + 1, null, notEnded);
                    continue;
                }

                if (!response.IsSuccessStatusCode)
                {
                    var error = await ApiResponses.ErrorAsync(response, linked.Token).ConfigureAwait(false);
                    if (!StreamRules.IsRetryable(response.StatusCode))
                    {
                        throw error;
                    }

                    retryAfter = StreamRules.RetryAfter(response, time, options.MaxReconnectDelay);
                    (failures, lastError, reason) = (failures + 1, error, $"HTTP {(int)response.StatusCode}");
                    continue;
                }

                if (!string.Equals(response.Content.Headers.ContentType?.MediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase))
                {
                    (failures, lastError, reason) = (failures + 1, null, $"the answer was '{response.Content.Headers.ContentType}', not an event stream");
                    continue;
                }

                var opened = time.GetTimestamp();
                var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                var parser = SseParser.Create(new StallGuardStream(body, stall, options.StallTimeout), StreamRules.ParseEvent);
                var items = parser.EnumerateAsync(linked.Token).GetAsyncEnumerator(linked.Token);
                reason = watched.EndedEarly;
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
                            serverRetry = StreamRules.ServerRetry(parser, options.MaxReconnectDelay) ?? serverRetry;
                        }

                        var outcome = watched.Accept(item, out var reconnect);
                        if (outcome == ItemOutcome.Reconnect)
                        {
                            reason = reconnect!;
                            break;
                        }

                        if (outcome == ItemOutcome.Skip)
                        {
                            continue;
                        }

                        failures = 0;
                        if (outcome is ItemOutcome.Yield or ItemOutcome.YieldAndEnd)
                        {
                            yield return item.Data!;
                        }

                        if (outcome == ItemOutcome.YieldAndEnd)
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
                if (!stall.IsCancellationRequested && time.GetElapsedTime(opened) >= options.StallTimeout)
                {
                    failures = 0;
                }
            }

            failures++;
        }
    }
}
