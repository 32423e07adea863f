using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
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
/// sequence numbers so no event is yielded twice or skipped.
/// </remarks>
public sealed class IterationClient
{
    private static readonly MediaTypeWithQualityHeaderValue EventStream = new("text/event-stream");

    private readonly HttpClient _http;
    private readonly IterationClientOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Creates a client over an <see cref="HttpClient"/> whose <see cref="HttpClient.BaseAddress"/> is the server.</summary>
    /// <param name="httpClient">The HTTP client; its base address must be set.</param>
    /// <param name="options">Options; defaults when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock for delays and stall detection; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="logger">A logger; none when <see langword="null"/>.</param>
    public IterationClient(HttpClient httpClient, IterationClientOptions? options = null, TimeProvider? timeProvider = null, ILogger<IterationClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        if (httpClient.BaseAddress is null)
        {
            throw new ArgumentException("The HttpClient needs a BaseAddress: the server's root URL, for example http://127.0.0.1:5000/.", nameof(httpClient));
        }

        _http = httpClient;
        _options = options ?? new IterationClientOptions();
        _options.Validate();
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
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
            services?.GetService<TimeProvider>(),
            services?.GetService<ILogger<IterationClient>>())
    {
    }

    /// <summary>Starts a new generation (<c>POST /generations</c>).</summary>
    /// <param name="prompt">What to generate.</param>
    /// <param name="entities">The entities of the app, one phase each.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The handle of the new generation.</returns>
    /// <exception cref="IterationApiException">The server refused the request (400 with the reason).</exception>
    public Task<GenerationHandle> StartAsync(string prompt, IReadOnlyList<string>? entities = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(prompt);
        var body = new StartGenerationRequest { Prompt = prompt, Entities = entities };
        return PostStartAsync(_options.RoutePrefix, JsonContent.Create(body, IterationStreamingJsonContext.Default.StartGenerationRequest), cancellationToken);
    }

    /// <summary>Starts an iteration of a finished generation (<c>POST /generations/iterate</c>).</summary>
    /// <param name="parentGenerationId">The finished generation to start from.</param>
    /// <param name="modificationPrompt">What to change.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The handle of the new generation.</returns>
    /// <exception cref="IterationApiException">400 bad input, 404 unknown parent, 409 parent not finished.</exception>
    public Task<GenerationHandle> IterateAsync(string parentGenerationId, string modificationPrompt, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(parentGenerationId);
        ArgumentException.ThrowIfNullOrWhiteSpace(modificationPrompt);
        var body = new IterateGenerationRequest { ParentGenerationId = parentGenerationId, ModificationPrompt = modificationPrompt };
        return PostStartAsync($"{_options.RoutePrefix}/iterate", JsonContent.Create(body, IterationStreamingJsonContext.Default.IterateGenerationRequest), cancellationToken);
    }

    /// <summary>
    /// Watches a generation until its terminal event, resuming by itself; see the class remarks.
    /// </summary>
    /// <param name="generationId">The generation.</param>
    /// <param name="token">Its stream token.</param>
    /// <param name="lastEventId">The last sequence number already seen, or 0 for the whole history.</param>
    /// <param name="cancellationToken">Stops watching (the run goes on).</param>
    /// <returns>The events in order, each once, ending with the terminal one (or nothing more when the server says the generation had already ended).</returns>
    public IAsyncEnumerable<StreamingProgressEvent> WatchAsync(string generationId, string token, long lastEventId = 0, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(generationId);
        ArgumentException.ThrowIfNullOrWhiteSpace(token);
        return WatchAsync(new GenerationHandle(generationId, token), lastEventId, cancellationToken);
    }

    /// <summary>
    /// Watches a generation until its terminal event, resuming by itself; see the class remarks.
    /// </summary>
    /// <param name="handle">The generation and its token.</param>
    /// <param name="lastEventId">The last sequence number already seen, or 0 for the whole history.</param>
    /// <param name="cancellationToken">Stops watching (the run goes on).</param>
    /// <returns>The events in order, each once, ending with the terminal one (or nothing more when the server says the generation had already ended).</returns>
    /// <exception cref="IterationApiException">401, 403 or 404: the token or the generation is not valid; retrying would not help.</exception>
    /// <exception cref="IterationStreamException">Too many reconnections failed in a row.</exception>
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
        return GetJsonAsync(handle.StatusUrl ?? GenerationPath(handle), handle, IterationStreamingJsonContext.Default.GenerationSnapshot, cancellationToken);
    }

    /// <summary>Lists the files saved so far (<c>GET /generations/{id}/files</c>): the partial result while running or after a failure.</summary>
    /// <param name="handle">The generation and its token.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The file list.</returns>
    /// <exception cref="IterationApiException">401, 403 or 404.</exception>
    public Task<GenerationFileList> ListFilesAsync(GenerationHandle handle, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handle);
        return GetJsonAsync($"{GenerationPath(handle)}/files", handle, IterationStreamingJsonContext.Default.GenerationFileList, cancellationToken);
    }

    /// <summary>Downloads one saved file (<c>GET /generations/{id}/files/{path}</c>).</summary>
    /// <param name="handle">The generation and its token.</param>
    /// <param name="path">The file's relative path as listed.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The content; dispose it.</returns>
    /// <exception cref="IterationApiException">400 bad path, 401, 403 or 404.</exception>
    public Task<Stream> DownloadFileAsync(GenerationHandle handle, string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handle);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var escaped = string.Join('/', path.Split('/').Select(Uri.EscapeDataString));
        return GetStreamAsync($"{GenerationPath(handle)}/files/{escaped}", handle, cancellationToken);
    }

    /// <summary>Downloads the saved files as a zip (<c>GET /generations/{id}/archive</c>).</summary>
    /// <param name="handle">The generation and its token.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The zip; dispose it.</returns>
    /// <exception cref="IterationApiException">401, 403 or 404.</exception>
    public Task<Stream> DownloadArchiveAsync(GenerationHandle handle, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handle);
        return GetStreamAsync($"{GenerationPath(handle)}/archive", handle, cancellationToken);
    }

    /// <summary>Cancels a generation (<c>DELETE /generations/{id}</c>); its stream then ends with status <c>cancelled</c>.</summary>
    /// <param name="handle">The generation and its token.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>A task that completes when the server accepted the cancellation.</returns>
    /// <exception cref="IterationApiException">401, 403 or 404.</exception>
    public async Task CancelAsync(GenerationHandle handle, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handle);
        using var request = Authorized(HttpMethod.Delete, GenerationPath(handle), handle);
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
    }

    private async IAsyncEnumerable<StreamingProgressEvent> WatchCoreAsync(
        GenerationHandle handle,
        long lastEventId,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var streamPath = handle.StreamUrl ?? $"{GenerationPath(handle)}/stream";
        var last = lastEventId;
        var failures = 0;
        TimeSpan? serverRetry = null;
        Exception? lastError = null;
        var reason = string.Empty;

        while (true)
        {
            if (failures > 0)
            {
                if (_options.MaxConsecutiveFailures is { } max && failures > max)
                {
                    throw new IterationStreamException(
                        $"Watching generation '{handle.GenerationId}' gave up after {failures} failed connection attempts in a row; the last event received was {last}.",
                        lastError) { LastEventId = last };
                }

                var delay = ReconnectDelay(failures, serverRetry);
                Log.Reconnecting(_logger, handle.GenerationId, last, reason, delay, failures);
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            }

            using var stall = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stall.Token);
            stall.CancelAfter(_options.StallTimeout);

            HttpResponseMessage response;
            try
            {
                using var request = Authorized(HttpMethod.Get, streamPath, handle);
                request.Headers.Accept.Add(EventStream);
                request.Headers.CacheControl = new CacheControlHeaderValue { NoCache = true };
                if (last > 0)
                {
                    request.Headers.TryAddWithoutValidation("Last-Event-ID", last.ToString(CultureInfo.InvariantCulture));
                }

                response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
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

                if (response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.NotFound)
                {
                    throw await ApiErrorAsync(response, cancellationToken).ConfigureAwait(false);
                }

                if (!response.IsSuccessStatusCode)
                {
                    (failures, lastError, reason) = (failures + 1, await ApiErrorAsync(response, cancellationToken).ConfigureAwait(false), $"HTTP {(int)response.StatusCode}");
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

                        if (parser.ReconnectionInterval > TimeSpan.Zero && parser.ReconnectionInterval != Timeout.InfiniteTimeSpan)
                        {
                            serverRetry = parser.ReconnectionInterval;
                        }

                        if (!long.TryParse(item.EventId, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id <= last)
                        {
                            continue;
                        }

                        if (item.Data is null)
                        {
                            Log.InvalidEvent(_logger, handle.GenerationId, id);
                            last = id;
                            continue;
                        }

                        if (id != last + 1 && item.Data.Replay is null)
                        {
                            Log.SequenceGap(_logger, handle.GenerationId, id, last);
                            reason = $"event {id} arrived after {last}";
                            break;
                        }

                        last = id;
                        failures = 0;
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

    private TimeSpan ReconnectDelay(int failures, TimeSpan? serverRetry)
    {
        var baseDelay = serverRetry ?? _options.InitialReconnectDelay;
        if (failures <= 1)
        {
            return baseDelay;
        }

        // Exponential backoff capped, with "equal jitter": half fixed, half random, so clients do not reconnect in step.
        var exponential = baseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 30));
        var capped = Math.Min(exponential, _options.MaxReconnectDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds((capped / 2) + (Random.Shared.NextDouble() * capped / 2));
    }

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

    private async Task<GenerationHandle> PostStartAsync(string path, HttpContent content, CancellationToken cancellationToken)
    {
        using (content)
        {
            using var response = await _http.PostAsync(path, content, cancellationToken).ConfigureAwait(false);
            await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
            var started = await response.Content.ReadFromJsonAsync(IterationStreamingJsonContext.Default.GenerationStartedResponse, cancellationToken).ConfigureAwait(false)
                ?? throw new IterationApiException(response.StatusCode, new ApiProblem { Detail = "The server accepted the request but sent no generation." });
            return GenerationHandle.FromResponse(started);
        }
    }

    private async Task<T> GetJsonAsync<T>(string path, GenerationHandle handle, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
    {
        using var request = Authorized(HttpMethod.Get, path, handle);
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync(typeInfo, cancellationToken).ConfigureAwait(false)
            ?? throw new IterationApiException(response.StatusCode, new ApiProblem { Detail = "The server sent an empty body." });
    }

    private async Task<Stream> GetStreamAsync(string path, GenerationHandle handle, CancellationToken cancellationToken)
    {
        using var request = Authorized(HttpMethod.Get, path, handle);
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

    private string GenerationPath(GenerationHandle handle) =>
        $"{_options.RoutePrefix}/{Uri.EscapeDataString(handle.GenerationId)}";

    private static HttpRequestMessage Authorized(HttpMethod method, string path, GenerationHandle handle)
    {
        var request = new HttpRequestMessage(method, path);
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
