using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Iteration.Streaming.TestUtilities;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using OpenAI;

namespace Iteration.Streaming.AI.Tests.Infrastructure;

/// <summary>
/// A small OpenAI-compatible endpoint on 127.0.0.1 (real Kestrel): <c>POST /v1/chat/completions</c> with
/// <c>stream: true</c> answers the next scripted answer as Server-Sent Events in the standard
/// <c>chat.completion.chunk</c> shape, with a final usage chunk and <c>data: [DONE]</c>; or an error status; or a stream
/// cut in the middle.
/// </summary>
public sealed class FakeOpenAIServer : IAsyncDisposable
{
    public const string Model = "test-model";

    /// <summary>The key <see cref="CreateChatClient"/> sends; an answer that echoes it must never reach the user.</summary>
    public const string ApiKey = "sk-test-0123456789-secret-key";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<OpenAIAnswer> _answers = new();
    private readonly ConcurrentQueue<JsonNode> _requests = new();

    private FakeOpenAIServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    /// <summary>The OpenAI-compatible base address, as a host configures it: <c>http://127.0.0.1:{port}/v1</c>.</summary>
    public Uri Endpoint => new(BaseAddress, "v1");

    /// <summary>The request bodies received, in order.</summary>
    public IReadOnlyList<JsonNode> Requests => [.. _requests];

    public static async Task<FakeOpenAIServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        FakeOpenAIServer? server = null;
        app.MapPost("/v1/chat/completions", (HttpContext http) => server!.AnswerAsync(http));
        await app.StartAsync();
        var address = app.Urls.Single();
        server = new FakeOpenAIServer(app, new Uri(address.EndsWith('/') ? address : address + "/"));
        return server;
    }

    /// <summary>
    /// Microsoft.Extensions.AI.OpenAI's client for this endpoint, as a host builds it: the OpenAI client's own retries off
    /// (the engine retries), so a test sees each answer.
    /// </summary>
    public IChatClient CreateChatClient() => new OpenAI.Chat.ChatClient(
            Model,
            new ApiKeyCredential(ApiKey),
            new OpenAIClientOptions
            {
                Endpoint = Endpoint,
                RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
                NetworkTimeout = AsyncTestExtensions.Patience,
            })
        .AsIChatClient();

    public FakeOpenAIServer Enqueue(OpenAIAnswer answer)
    {
        _answers.Enqueue(answer);
        return this;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task AnswerAsync(HttpContext http)
    {
        var body = await JsonNode.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
        _requests.Enqueue(body!);
        if (!_answers.TryDequeue(out var answer))
        {
            await WriteErrorAsync(http, 500, "The fake endpoint has no answer left.");
            return;
        }

        switch (answer)
        {
            case OpenAIAnswer.Fail fail:
                foreach (var (name, value) in fail.Headers ?? new Dictionary<string, string>())
                {
                    http.Response.Headers[name] = value;
                }

                await WriteErrorAsync(http, fail.Status, fail.Body);
                break;
            case OpenAIAnswer.StreamedError error:
                // A 200 event stream that carries only an error object, as OpenAI-compatible servers send on a failure
                // after the headers went out (vLLM, LiteLLM, OpenAI itself mid-stream).
                http.Response.ContentType = "text/event-stream";
                await http.Response.StartAsync(http.RequestAborted);
                if (error.TextBefore is { } before)
                {
                    await WriteEventAsync(http, Chunk(new JsonObject { ["content"] = before }, new JsonObject()));
                }

                await WriteEventAsync(http, error.Json);
                if (error.Done)
                {
                    await WriteEventAsync(http, "[DONE]");
                }

                break;
            case OpenAIAnswer.Stream stream:
                http.Response.ContentType = "text/event-stream";
                await http.Response.StartAsync(http.RequestAborted);
                var first = true;
                foreach (var chunk in stream.Text.Chunk(stream.ChunkSize))
                {
                    await WriteEventAsync(http, Chunk(new JsonObject { ["content"] = new string(chunk) }, first ? new JsonObject() : null));
                    first = false;
                }

                if (stream.Cut)
                {
                    // The connection drops mid-answer: no finish, no usage, no [DONE].
                    await http.Response.Body.FlushAsync();
                    http.Abort();
                    return;
                }

                if (stream.FinishReason is { } finishReason)
                {
                    await WriteEventAsync(http, Chunk(null, null, finishReason));
                }

                if (stream.Usage is { } usage)
                {
                    await WriteEventAsync(http, new JsonObject
                    {
                        ["id"] = "chatcmpl-test",
                        ["object"] = "chat.completion.chunk",
                        ["created"] = 1_760_000_000,
                        ["model"] = Model,
                        ["choices"] = new JsonArray(),
                        ["usage"] = new JsonObject
                        {
                            ["prompt_tokens"] = usage.Input,
                            ["completion_tokens"] = usage.Output,
                            ["total_tokens"] = usage.Input + usage.Output,
                        },
                    }.ToJsonString());
                }

                if (stream.Done)
                {
                    await WriteEventAsync(http, "[DONE]");
                }

                break;
        }
    }

    private static string Chunk(JsonObject? delta, JsonObject? roleHolder, string? finishReason = null)
    {
        delta ??= [];
        if (roleHolder is not null)
        {
            delta["role"] = "assistant";
        }

        return new JsonObject
        {
            ["id"] = "chatcmpl-test",
            ["object"] = "chat.completion.chunk",
            ["created"] = 1_760_000_000,
            ["model"] = Model,
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finishReason }),
        }.ToJsonString();
    }

    private static async Task WriteEventAsync(HttpContext http, string data)
    {
        await http.Response.Body.WriteAsync(Encoding.UTF8.GetBytes($"data: {data}\n\n"));
        await http.Response.Body.FlushAsync();
    }

    private static async Task WriteErrorAsync(HttpContext http, int status, string body)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(body);
    }
}

/// <summary>What the fake endpoint answers to one request.</summary>
public abstract record OpenAIAnswer
{
    /// <summary>Streams <paramref name="Text"/> in chunks of <paramref name="ChunkSize"/> characters.</summary>
    public sealed record Stream(string Text, int ChunkSize = 7) : OpenAIAnswer
    {
        public (int Input, int Output)? Usage { get; init; } = (100, 50);

        public string? FinishReason { get; init; } = "stop";

        public bool Done { get; init; } = true;

        /// <summary>Drops the connection after the text instead of finishing.</summary>
        public bool Cut { get; init; }
    }

    /// <summary>Answers 200 <c>text/event-stream</c> whose one event is <paramref name="Json"/> (an error object).</summary>
    public sealed record StreamedError(string Json) : OpenAIAnswer
    {
        /// <summary>Text streamed as a normal chunk before the error, if any.</summary>
        public string? TextBefore { get; init; }

        public bool Done { get; init; } = true;
    }

    /// <summary>Answers an error status with a body.</summary>
    public sealed record Fail(int Status, string Body) : OpenAIAnswer
    {
        /// <summary>Headers sent with it, such as <c>Retry-After</c>.</summary>
        public IReadOnlyDictionary<string, string>? Headers { get; init; }
    }
}
