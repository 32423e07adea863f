using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Iteration.Streaming.Client.Diagnostics;
using Iteration.Streaming.Client.Serialization;
using Iteration.Streaming.Client.Watching;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Client;

/// <summary>
/// A client of an Iteration.Streaming server (<c>MapIterationStream</c>): starts generations and iterations,
/// watches them with automatic resume, and reads their snapshot, files and archive.
/// </summary>
/// <remarks>
/// <see cref="WatchAsync(GenerationHandle, long, CancellationToken)"/> is the reconnect loop that
/// <see cref="SseParser"/> leaves out: it resumes with <c>Last-Event-ID</c> after a dropped connection, a stream that
/// ends early, or a silent stall; honours the server's <c>retry:</c>; backs off exponentially with jitter; and checks
/// sequence numbers so no event is yielded twice or skipped. The client is safe to use from several threads.
/// </remarks>
public sealed class IterationClient
{
    private static readonly MediaTypeWithQualityHeaderValue EventStream = new("text/event-stream");

    private readonly HttpClient _http;
    private readonly IterationClientOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>The route group's URL without a trailing slash, such as <c>http://127.0.0.1:5000/generations</c>.</summary>
    private readonly string _group;

    /// <summary>Creates a client over an <see cref="HttpClient"/> whose <see cref="HttpClient.BaseAddress"/> is the server.</summary>
    /// <param name="httpClient">
    /// The HTTP client; its base address must be set (a path in it is kept). Give it an infinite
    /// <see cref="HttpClient.Timeout"/>: a watch lasts as long as the run, and has its own stall detection.
    /// </param>
    /// <param name="options">Options; defaults when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock for delays and stall detection; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="logger">A logger; none when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">The base address is missing or not http(s), or the options are not valid.</exception>
    public IterationClient(HttpClient httpClient, IterationClientOptions? options = null, TimeProvider? timeProvider = null, ILogger<IterationClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        if (httpClient.BaseAddress is not { IsAbsoluteUri: true, Scheme: "http" or "https" } baseAddress)
        {
            throw new ArgumentException("The HttpClient needs a BaseAddress: the server's root URL, for example http://127.0.0.1:5000/.", nameof(httpClient));
        }

        _http = httpClient;
        _options = options ?? new IterationClientOptions();
        _options.Validate();
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;

        // Relative to the base address, path included: "http://host/api" + "/generations" is ".../api/generations".
        var root = baseAddress.GetLeftPart(UriPartial.Path);
        _group = (root.EndsWith('/') ? root : root + "/") + _options.RoutePrefix.Trim('/');
        _group = _group.TrimEnd('/');
    }

    /// <summary>Creates a client from dependency injection (see <c>AddIterationClient</c>).</summary>
    /// <param name="httpClient">The typed HTTP client from <see cref="IHttpClientFactory"/>.</param>
    /// <param name="options">The options.</param>
    /// <param name="services">The service provider, for an optional <see cref="TimeProvider"/> and logger.</param>
    [ActivatorUtilitiesConstructor]
    public IterationClient(HttpClient httpClient, IOptions<IterationClientOptions> options, IServiceProvider services)
        : this(
            httpClient,
            (options ?? throw new ArgumentNullException(nameof(options))).Value,
            (services ?? throw new ArgumentNullException(nameof(services))).GetService<TimeProvider>(),
            services.GetService<ILogger<IterationClient>>())
    {
    }

    /// <summary>Starts a new generation (<c>POST /generations</c>).</summary>
    /// <param name="prompt">What to generate.</param>
    /// <param name="entities">The entities of the app, one phase each.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The handle of the new generation.</returns>
    /// <exception cref="ArgumentException">The prompt or an entity name is null, empty or white space.</exception>
    /// <exception cref="IterationApiException">The server refused the request (400 with the reason, 503 when its queue is full).</exception>
    public Task<GenerationHandle> StartAsync(string prompt, IReadOnlyList<string>? entities = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(prompt);
        if (entities is not null)
        {
            for (var i = 0; i < entities.Count; i++)
            {
                if (string.IsNullOrWhiteSpace(entities[i]))
                {
                    throw new ArgumentException($"The entity at index {i} is null, empty or white space.", nameof(entities));
                }
            }
        }

        var body = new StartGenerationRequest { Prompt = prompt, Entities = entities };
        return PostStartAsync(Url(string.Empty), JsonContent.Create(body, IterationStreamingJsonContext.Default.StartGenerationRequest), cancellationToken);
    }

    /// <summary>Starts an iteration of a finished generation (<c>POST /generations/iterate</c>).</summary>
    /// <param name="parentGenerationId">The finished generation to start from.</param>
    /// <param name="modificationPrompt">What to change.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The handle of the new generation.</returns>
    /// <exception cref="ArgumentException">An argument is null, empty or white space.</exception>
    /// <exception cref="IterationApiException">400 bad input, 404 unknown parent, 409 parent not finished.</exception>
    public Task<GenerationHandle> IterateAsync(string parentGenerationId, string modificationPrompt, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(parentGenerationId);
        ArgumentException.ThrowIfNullOrWhiteSpace(modificationPrompt);
        var body = new IterateGenerationRequest { ParentGenerationId = parentGenerationId, ModificationPrompt = modificationPrompt };
        return PostStartAsync(Url("iterate"), JsonContent.Create(body, IterationStreamingJsonContext.Default.IterateGenerationRequest), cancellationToken);
    }

    /// <summary>
    /// Watches a generation until its terminal event, resuming by itself; see the class remarks.
    /// </summary>
    /// <param name="generationId">The generation.</param>
    /// <param name="token">Its stream token.</param>
    /// <param name="lastEventId">The last sequence number already seen, or 0 for the whole history.</param>
    /// <param name="cancellationToken">Stops watching (the run goes on).</param>
    /// <returns>The events in order, each once, ending with the terminal one (or nothing more when the server says the generation had already ended).</returns>
    /// <exception cref="ArgumentException">The id or the token is not valid, or <paramref name="lastEventId"/> is negative.</exception>
    /// <exception cref="IterationApiException">400, 401, 403 or 404 (while enumerating): retrying would not help.</exception>
    /// <exception cref="IterationStreamException">Too many attempts failed in a row (while enumerating).</exception>
    public IAsyncEnumerable<StreamingProgressEvent> WatchAsync(string generationId, string token, long lastEventId = 0, CancellationToken cancellationToken = default) =>
        WatchAsync(new GenerationHandle(generationId, token), lastEventId, cancellationToken);

    /// <summary>
    /// Watches a generation until its terminal event, resuming by itself; see the class remarks.
    /// </summary>
    /// <param name="handle">The generation and its token.</param>
    /// <param name="lastEventId">The last sequence number already seen, or 0 for the whole history.</param>
    /// <param name="cancellationToken">Stops watching (the run goes on).</param>
    /// <returns>The events in order, each once, ending with the terminal one (or nothing more when the server says the generation had already ended).</returns>
    /// <exception cref="ArgumentException"><paramref name="handle"/> is null or <paramref name="lastEventId"/> is negative.</exception>
    /// <exception cref="IterationApiException">
    /// 400, 401, 403 or 404 (while enumerating): the resume point, the token or the generation is not valid; retrying
    /// would not help.
    /// </exception>
    /// <exception cref="IterationStreamException">Too many attempts failed in a row (while enumerating).</exception>
    public IAsyncEnumerable<StreamingProgressEvent> WatchAsync(GenerationHandle handle, long lastEventId = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handle);
        ArgumentOutOfRangeException.ThrowIfNegative(lastEventId);
        return WatchCoreAsync(handle, lastEventId, cancellationToken);
    }

    /// <summary>Returns the latest snapshot of a generation (<c>GET /generations/{id}</c>).</summary>
    /// <param name="handle">The generation and its token.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The snapshot.</returns>
    /// <exception cref="IterationApiException">401, 403 or 404.</exception>
    public Task<GenerationSnapshot> GetSnapshotAsync(GenerationHandle handle, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handle);
        return GetJsonAsync(GenerationUrl(handle, string.Empty), handle, IterationStreamingJsonContext.Default.GenerationSnapshot, cancellationToken);
    }

    /// <summary>Lists the files saved so far (<c>GET /generations/{id}/files</c>): the partial result while running or after a failure.</summary>
    /// <param name="handle">The generation and its token.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The file list.</returns>
    /// <exception cref="IterationApiException">401, 403 or 404.</exception>
    public Task<GenerationFileList> ListFilesAsync(GenerationHandle handle, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handle);
        return GetJsonAsync(GenerationUrl(handle, "/files"), handle, IterationStreamingJsonContext.Default.GenerationFileList, cancellationToken);
    }

    /// <summary>Downloads one saved file (<c>GET /generations/{id}/files/{path}</c>).</summary>
    /// <param name="handle">The generation and its token.</param>
    /// <param name="path">The file's relative path as listed, with '/' between names.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The content; dispose it.</returns>
    /// <exception cref="ArgumentException">The path is empty, absolute, or has an empty, '.' or '..' name.</exception>
    /// <exception cref="IterationApiException">400 bad path, 401, 403 or 404 (unknown generation or no such file).</exception>
    public Task<Stream> DownloadFileAsync(GenerationHandle handle, string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handle);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);

        // A '.' or '..' name would be resolved away by Uri and reach another endpoint with the token.
        var names = path.Split('/');
        if (names.Any(n => n.Length == 0 || n is "." or ".."))
        {
            throw new ArgumentException($"The file path must be relative, with '/' between non-empty names and no '.' or '..' names, but was '{path}'.", nameof(path));
        }

        var escaped = string.Join('/', names.Select(Uri.EscapeDataString));
        return GetStreamAsync(GenerationUrl(handle, "/files/" + escaped), handle, cancellationToken);
    }

    /// <summary>Downloads the saved files as a zip (<c>GET /generations/{id}/archive</c>).</summary>
    /// <param name="handle">The generation and its token.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The zip; dispose it.</returns>
    /// <exception cref="IterationApiException">401, 403 or 404 (unknown generation or nothing saved yet).</exception>
    public Task<Stream> DownloadArchiveAsync(GenerationHandle handle, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handle);
        return GetStreamAsync(GenerationUrl(handle, "/archive"), handle, cancellationToken);
    }

    /// <summary>Cancels a generation (<c>DELETE /generations/{id}</c>); its stream then ends with status <c>cancelled</c>.</summary>
    /// <param name="handle">The generation and its token.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>
    /// <see langword="true"/> when the server accepted the cancellation; <see langword="false"/> when the generation
    /// had already ended (the server answered 409), so there was nothing to cancel.
    /// </returns>
    /// <exception cref="IterationApiException">401, 403 or 404.</exception>
    public async Task<bool> CancelAsync(GenerationHandle handle, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handle);
        using var request = Authorized(HttpMethod.Delete, GenerationUrl(handle, string.Empty), handle);
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            return false;
        }

        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async IAsyncEnumerable<StreamingProgressEvent> WatchCoreAsync(
        GenerationHandle handle,
        long lastEventId,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var streamUrl = GenerationUrl(handle, "/stream");
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
                using var request = Authorized(HttpMethod.Get, streamUrl, handle);
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
            catch (Exception e) when (IsTransient(e, cancellationToken))
            {
                (failures, lastError, reason) = (failures + 1, e, Describe(e, stall));
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
                    var error = await ApiErrorAsync(response, linked.Token).ConfigureAwait(false);
                    if (!IsRetryable(response.StatusCode))
                    {
                        throw error;
                    }

                    retryAfter = RetryAfter(response);
                    (failures, lastError, reason) = (failures + 1, error, $"HTTP {(int)response.StatusCode}");
                    continue;
                }

                if (!string.Equals(response.Content.Headers.ContentType?.MediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase))
                {
                    (failures, lastError, reason) = (failures + 1, null, $"the answer was '{response.Content.Headers.ContentType}', not an event stream");
                    continue;
                }

                var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                var parser = SseParser.Create(new StallGuardStream(body, stall, _options.StallTimeout), ParseEvent);
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
                        catch (Exception e) when (IsTransient(e, cancellationToken))
                        {
                            (lastError, reason) = (e, Describe(e, stall));
                            break;
                        }
                        finally
                        {
                            serverRetry = ServerRetry(parser) ?? serverRetry;
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
            }

            failures++;
        }
    }

    /// <summary>The server's <c>retry:</c>, capped; <see langword="null"/> while it sent none.</summary>
    private TimeSpan? ServerRetry(SseParser<StreamingProgressEvent?> parser)
    {
        var interval = parser.ReconnectionInterval;
        return interval > TimeSpan.Zero && interval != Timeout.InfiniteTimeSpan
            ? TimeSpan.FromTicks(Math.Min(interval.Ticks, _options.MaxReconnectDelay.Ticks))
            : null;
    }

    /// <summary>A <c>Retry-After</c> delay of a 429 or 503, capped; <see langword="null"/> when there is none.</summary>
    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        var delay = header?.Delta ?? (header?.Date is { } date ? date - _time.GetUtcNow() : null);
        return delay is { } d && d > TimeSpan.Zero
            ? TimeSpan.FromTicks(Math.Min(d.Ticks, _options.MaxReconnectDelay.Ticks))
            : null;
    }

    // 408, 429 and 5xx may pass; any other error (400, 401, 403, 404, ...) will not go away by retrying.
    private static bool IsRetryable(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    private static bool IsTransient(Exception e, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested && e is HttpRequestException or IOException or OperationCanceledException;

    private static string Describe(Exception e, CancellationTokenSource stall) =>
        stall.IsCancellationRequested ? "no bytes arrived within the stall timeout" : e.GetType().Name + ": " + e.Message;

    private static StreamingProgressEvent? ParseEvent(string eventType, ReadOnlySpan<byte> data)
    {
        try
        {
            return JsonSerializer.Deserialize(data, IterationStreamingJsonContext.Default.StreamingProgressEvent);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private async Task<GenerationHandle> PostStartAsync(Uri url, HttpContent content, CancellationToken cancellationToken)
    {
        using (content)
        {
            using var response = await _http.PostAsync(url, content, cancellationToken).ConfigureAwait(false);
            await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
            GenerationStartedResponse? started;
            try
            {
                started = await response.Content.ReadFromJsonAsync(IterationStreamingJsonContext.Default.GenerationStartedResponse, cancellationToken).ConfigureAwait(false);
            }
            catch (JsonException e)
            {
                throw new IterationApiException("The server accepted the request but its answer is not a started generation.", e);
            }

            if (started is null)
            {
                throw new IterationApiException("The server accepted the request but sent no generation.");
            }

            try
            {
                return GenerationHandle.FromResponse(started);
            }
            catch (ArgumentException e)
            {
                throw new IterationApiException("The server answered with a generation id or token the client cannot use.", e);
            }
        }
    }

    private async Task<T> GetJsonAsync<T>(Uri url, GenerationHandle handle, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
    {
        using var request = Authorized(HttpMethod.Get, url, handle);
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        try
        {
            return await response.Content.ReadFromJsonAsync(typeInfo, cancellationToken).ConfigureAwait(false)
                ?? throw new IterationApiException("The server sent an empty body.");
        }
        catch (JsonException e)
        {
            throw new IterationApiException($"The server's answer is not a {typeof(T).Name}.", e);
        }
    }

    private async Task<Stream> GetStreamAsync(Uri url, GenerationHandle handle, CancellationToken cancellationToken)
    {
        using var request = Authorized(HttpMethod.Get, url, handle);
        var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        try
        {
            await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
            return await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private Uri Url(string relative) => new(relative.Length == 0 ? _group : _group + "/" + relative);

    private Uri GenerationUrl(GenerationHandle handle, string suffix) =>
        Url(Uri.EscapeDataString(handle.GenerationId) + suffix);

    private static HttpRequestMessage Authorized(HttpMethod method, Uri url, GenerationHandle handle)
    {
        var request = new HttpRequestMessage(method, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", handle.Token);
        return request;
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw await ApiErrorAsync(response, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<IterationApiException> ApiErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        ApiProblem? problem = null;
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (mediaType is "application/problem+json" or "application/json")
        {
            try
            {
                problem = await response.Content.ReadFromJsonAsync(ClientJsonContext.Default.ApiProblem, cancellationToken).ConfigureAwait(false);
            }
            catch (JsonException)
            {
                problem = null;
            }
        }

        return new IterationApiException(response.StatusCode, problem);
    }
}
