using System.Collections.Concurrent;
using System.Text.Json;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Iteration.Streaming.Client.Tests.Infrastructure;

/// <summary>
/// <c>POST /generations/watch</c> and <c>GET /generations/stream</c> played from a script: the watch answers as the
/// contract says (token <see cref="WatchToken"/>, the ids asked for) unless the test scripts it; the stream plays one
/// scripted answer per request and answers 410 (which the client does not retry) once the script is used up. Every
/// request is recorded.
/// </summary>
public sealed class ScriptedWatchServer
{
    public const string WatchToken = "watch-token";

    private readonly ConcurrentQueue<Func<HttpContext, Task>> _watchAnswers = new();
    private readonly ConcurrentQueue<Func<HttpContext, Task>> _streamAnswers = new();

    /// <summary>The body of each watch request.</summary>
    public ConcurrentQueue<string> WatchBodies { get; } = new();

    /// <summary>Each stream request, in order.</summary>
    public ConcurrentQueue<RecordedStreamRequest> StreamRequests { get; } = new();

    /// <summary>An SSE frame with a cursor id.</summary>
    public static string Frame(string cursor, StreamingProgressEvent e) => $"id: {cursor}\ndata: {e.ToWire()}\n\n";

    public ScriptedWatchServer AnswerWatch(Func<HttpContext, Task> answer)
    {
        _watchAnswers.Enqueue(answer);
        return this;
    }

    /// <summary>Answers the next watch request 200 with <paramref name="body"/> as written.</summary>
    public ScriptedWatchServer WatchJson(string body) => AnswerWatch(async context =>
    {
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body);
    });

    public ScriptedWatchServer AnswerStream(Func<HttpContext, Task> answer)
    {
        _streamAnswers.Enqueue(answer);
        return this;
    }

    /// <summary>Answers the next stream request 200 <c>text/event-stream</c> with <paramref name="body"/>, then ends it.</summary>
    public ScriptedWatchServer Sse(string body) => AnswerStream(async context =>
    {
        context.Response.ContentType = "text/event-stream";
        await context.Response.WriteAsync(body);
    });

    /// <summary>Answers the next stream request with a status (and Problem Details for an error).</summary>
    public ScriptedWatchServer StreamStatus(int status, string? detail = null, TimeSpan? retryAfter = null) => AnswerStream(context =>
    {
        if (retryAfter is { } delay)
        {
            context.Response.Headers.RetryAfter = ((int)delay.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (status < 400)
        {
            context.Response.StatusCode = status;
            return Task.CompletedTask;
        }

        return Results.Problem(detail: detail, statusCode: status).ExecuteAsync(context);
    });

    public void Map(WebApplication app)
    {
        app.MapPost("/generations/watch", async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            WatchBodies.Enqueue(body);
            if (_watchAnswers.TryDequeue(out var answer))
            {
                await answer(context);
                return;
            }

            var request = JsonSerializer.Deserialize(body, IterationStreamingJson.GenerationWatchRequest)!;
            var response = new GenerationWatchResponse
            {
                WatchToken = WatchToken,
                StreamUrl = "/generations/stream",
                Generations = request.Generations.Select(g => g.Id).ToList(),
            };
            await Results.Json(response, IterationStreamingJson.GenerationWatchResponse).ExecuteAsync(context);
        });

        app.MapGet("/generations/stream", async context =>
        {
            StreamRequests.Enqueue(new RecordedStreamRequest(
                context.Request.QueryString.ToString(),
                context.Request.Headers.Authorization.ToString(),
                context.Request.Headers["Last-Event-ID"].ToString()));
            if (_streamAnswers.TryDequeue(out var answer))
            {
                await answer(context);
                return;
            }

            await Results.Problem(detail: "The script is used up.", statusCode: StatusCodes.Status410Gone).ExecuteAsync(context);
        });
    }
}
