using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Iteration.Streaming.TestHost.Responses;

/// <summary>
/// An OpenAI-compatible Responses endpoint on 127.0.0.1 (real Kestrel), written for the tests as the fake model:
/// <list type="bullet">
/// <item><c>POST /v1/responses</c> with <c>stream: true</c> (and <c>background: true</c> or not) streams the Responses
/// events with <c>sequence_number</c>: <c>response.created</c>, <c>response.in_progress</c>,
/// <c>response.output_item.added</c>, <c>response.content_part.added</c>, <c>response.output_text.delta</c>…,
/// <c>response.output_text.done</c>, <c>response.content_part.done</c>, <c>response.output_item.done</c>,
/// <c>response.completed</c> with <c>usage</c>.</item>
/// <item><c>GET /v1/responses/{id}?stream=true&amp;starting_after=N</c> continues a background response after event N
/// (then follows it live until it ends); without <c>stream</c> it answers the response object.</item>
/// </list>
/// The answer is <see cref="Answer"/> of the prompt (by default <see cref="ResponsesAnswer.ForPrompt"/>). A background
/// response goes on when its reader leaves; every response bills the output tokens of the text it produced
/// (<see cref="BilledOutputTokens"/>). Production waits at a gate (<see cref="HoldAt"/>, <see cref="Release"/>) so a
/// test cuts at a known point without sleeping; <see cref="ContinuationFault"/> and <see cref="CutNextStreamAt"/>
/// inject the faults.
/// </summary>
public sealed class FakeResponsesServer : IAsyncDisposable
{
    /// <summary>The model name the fake answers as, unless the request names one.</summary>
    public const string Model = "fake-responses-model";

    /// <summary>The input tokens every response reports.</summary>
    public const int InputTokens = 100;

    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<string, FakeResponse> _responses = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<FakeResponse> _created = new();
    private readonly ConcurrentQueue<ResponsesRequest> _requests = new();
    private readonly ConcurrentQueue<Task> _producers = new();
    private readonly object _gateLock = new();
    private int _hold = int.MaxValue;
    private TaskCompletionSource _gateChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _cutNext = -1;
    private int _nextId;

    private FakeResponsesServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    /// <summary>The server's address, such as <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The OpenAI-compatible base address a client is given: <c>http://127.0.0.1:{port}/v1</c>.</summary>
    public Uri Endpoint => new(BaseAddress, "v1");

    /// <summary>The answer to a prompt (the request's body). Default: <see cref="ResponsesAnswer.ForPrompt"/>.</summary>
    public Func<string, ResponsesAnswer> Answer { get; set; } = static prompt => ResponsesAnswer.ForPrompt(prompt);

    /// <summary>How continuations are answered from now on. Default <see cref="ResponsesFault.None"/>.</summary>
    public ResponsesFault ContinuationFault { get; set; }

    /// <summary>The requests received, in order.</summary>
    public IReadOnlyList<ResponsesRequest> Requests => [.. _requests];

    /// <summary>The responses created, in order.</summary>
    public IReadOnlyList<FakeResponse> Responses => [.. _created];

    /// <summary>The output tokens billed for every response created so far.</summary>
    public long BilledOutputTokens => _created.Sum(static r => r.BilledOutputTokens);

    /// <summary>Starts the server on a free port of 127.0.0.1.</summary>
    public static async Task<FakeResponsesServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        FakeResponsesServer? server = null;
        app.MapPost("/v1/responses", (HttpContext http) => server!.CreateAsync(http));
        app.MapGet("/v1/responses/{id}", (HttpContext http, string id) => server!.RetrieveAsync(http, id));
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Urls.Single();
        server = new FakeResponsesServer(app, new Uri(address.EndsWith('/') ? address : address + "/"));
        return server;
    }

    /// <summary>
    /// Holds every response's production once it has <paramref name="answerCharacters"/> characters of its answer (a
    /// delta that would pass it waits), until <see cref="Release"/> or another hold.
    /// </summary>
    public void HoldAt(int answerCharacters)
    {
        lock (_gateLock)
        {
            _hold = answerCharacters;
            _held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            SignalGate();
        }
    }

    /// <summary>Lets every response produce the rest of its answer.</summary>
    public void Release() => HoldAt(int.MaxValue);

    /// <summary>Completes when a response's production waits at the gate of the latest <see cref="HoldAt"/>.</summary>
    public Task WaitUntilHeldAsync()
    {
        lock (_gateLock)
        {
            return _held.Task;
        }
    }

    /// <summary>
    /// Cuts the next stream (create or continuation) that reaches <paramref name="answerCharacters"/>: it sends half of
    /// the frame of the delta that passes that point, then drops the connection.
    /// </summary>
    public void CutNextStreamAt(int answerCharacters) => Volatile.Write(ref _cutNext, answerCharacters);

    /// <summary>Completes when every response created so far has ended (they do once released).</summary>
    public Task WhenAllEndedAsync() => Task.WhenAll(_producers);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        Release();
        try
        {
            await Task.WhenAll(_producers).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    internal async Task WaitAtGateAsync(int needed, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            lock (_gateLock)
            {
                if (needed <= _hold)
                {
                    return;
                }

                _held.TrySetResult();
                changed = _gateChanged.Task;
            }

            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private void SignalGate()
    {
        var changed = _gateChanged;
        _gateChanged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }

    private async Task CreateAsync(HttpContext http)
    {
        string body;
        using (var reader = new StreamReader(http.Request.Body, Encoding.UTF8))
        {
            body = await reader.ReadToEndAsync(http.RequestAborted).ConfigureAwait(false);
        }

        JsonNode? request;
        try
        {
            request = JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            request = null;
        }

        if (request is not JsonObject json)
        {
            _requests.Enqueue(new ResponsesRequest("POST", null, false, false, null, body));
            await ErrorAsync(http, 400, "The body is not a JSON object.", "invalid_request_error").ConfigureAwait(false);
            return;
        }

        var stream = json["stream"]?.GetValueKind() == JsonValueKind.True;
        var background = json["background"]?.GetValueKind() == JsonValueKind.True;
        var model = json["model"]?.GetValueKind() == JsonValueKind.String ? json["model"]!.GetValue<string>() : Model;
        if (!stream)
        {
            _requests.Enqueue(new ResponsesRequest("POST", null, false, background, null, body));
            await ErrorAsync(http, 400, "The fake Responses endpoint only streams.", "invalid_request_error").ConfigureAwait(false);
            return;
        }

        var response = Start(Answer(body), background, model, background ? _stopping.Token : http.RequestAborted);
        _requests.Enqueue(new ResponsesRequest("POST", response.Id, true, background, null, body));
        await StreamAsync(http, response, -1).ConfigureAwait(false);
    }

    private async Task RetrieveAsync(HttpContext http, string id)
    {
        var query = http.Request.Query;
        var stream = string.Equals(query["stream"], "true", StringComparison.OrdinalIgnoreCase);
        int? startingAfter = int.TryParse(query["starting_after"], NumberStyles.None, CultureInfo.InvariantCulture, out var after) ? after : null;
        _requests.Enqueue(new ResponsesRequest("GET", id, stream, false, startingAfter, string.Empty));
        var fault = ContinuationFault;
        if (fault == ResponsesFault.Expired || !_responses.TryGetValue(id, out var response))
        {
            await ErrorAsync(http, 404, $"Response with id '{id}' not found.", "invalid_request_error").ConfigureAwait(false);
            return;
        }

        if (!stream)
        {
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync(response.Snapshot().ToJsonString(), http.RequestAborted).ConfigureAwait(false);
            return;
        }

        if (!response.Background)
        {
            await ErrorAsync(http, 400, "Only background responses can be streamed again.", "invalid_request_error").ConfigureAwait(false);
            return;
        }

        switch (fault)
        {
            case ResponsesFault.HttpError:
                await ErrorAsync(http, 500, "The server had an error while processing your request.", "server_error").ConfigureAwait(false);
                return;
            case ResponsesFault.ErrorEvent:
                await StartEventsAsync(http).ConfigureAwait(false);
                var error = new JsonObject
                {
                    ["type"] = "error",
                    ["sequence_number"] = (startingAfter ?? -1) + 1,
                    ["code"] = "server_error",
                    ["message"] = "The response could not be continued.",
                    ["param"] = null,
                };
                await WriteEventAsync(http, "error", error.ToJsonString()).ConfigureAwait(false);
                return;
            case ResponsesFault.ReplayFromStart:
                await StreamAsync(http, response, -1).ConfigureAwait(false);
                return;
            case ResponsesFault.AnotherResponse:
                var other = Start(response.Answer, background: true, response.Model, _stopping.Token);
                await StreamAsync(http, other, -1).ConfigureAwait(false);
                return;
            default:
                await StreamAsync(http, response, startingAfter ?? -1).ConfigureAwait(false);
                return;
        }
    }

    private FakeResponse Start(ResponsesAnswer answer, bool background, string model, CancellationToken cancellationToken)
    {
        var id = string.Create(CultureInfo.InvariantCulture, $"resp_{Interlocked.Increment(ref _nextId):D4}{Guid.NewGuid():N}");
        var response = new FakeResponse(id, answer, background, model);
        _responses[id] = response;
        _created.Enqueue(response);
        _producers.Enqueue(Task.Run(async () =>
        {
            try
            {
                await response.ProduceAsync(this, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // A foreground response stops with its request; the server stops every one.
            }
        }, CancellationToken.None));
        return response;
    }

    private async Task StreamAsync(HttpContext http, FakeResponse response, int startingAfter)
    {
        await StartEventsAsync(http).ConfigureAwait(false);
        var next = startingAfter + 1;
        try
        {
            while (true)
            {
                var (events, ended, changed) = response.Read(next);
                foreach (var e in events)
                {
                    var cut = Volatile.Read(ref _cutNext);
                    if (cut >= 0 && e.TextEnd > cut && Interlocked.CompareExchange(ref _cutNext, -1, cut) == cut)
                    {
                        // Half a frame, then the connection drops.
                        var frame = Encoding.UTF8.GetBytes($"event: {e.Type}\ndata: {e.Json}\n\n");
                        await http.Response.Body.WriteAsync(frame.AsMemory(0, frame.Length / 2), http.RequestAborted).ConfigureAwait(false);
                        await http.Response.Body.FlushAsync(http.RequestAborted).ConfigureAwait(false);
                        http.Abort();
                        return;
                    }

                    await WriteEventAsync(http, e.Type, e.Json).ConfigureAwait(false);
                    next++;
                }

                if (events.Count == 0)
                {
                    if (ended)
                    {
                        return;
                    }

                    await changed.WaitAsync(http.RequestAborted).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // The reader left; a background response goes on without it.
        }
    }

    private static async Task StartEventsAsync(HttpContext http)
    {
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        await http.Response.StartAsync(http.RequestAborted).ConfigureAwait(false);
    }

    private static async Task WriteEventAsync(HttpContext http, string type, string json)
    {
        await http.Response.Body.WriteAsync(Encoding.UTF8.GetBytes($"event: {type}\ndata: {json}\n\n"), http.RequestAborted).ConfigureAwait(false);
        await http.Response.Body.FlushAsync(http.RequestAborted).ConfigureAwait(false);
    }

    private static async Task ErrorAsync(HttpContext http, int status, string message, string type)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        var body = new JsonObject
        {
            ["error"] = new JsonObject { ["message"] = message, ["type"] = type, ["param"] = null, ["code"] = status == 404 ? "not_found" : null },
        };
        await http.Response.WriteAsync(body.ToJsonString(), http.RequestAborted).ConfigureAwait(false);
    }
}
