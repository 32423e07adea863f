using System.Collections.Concurrent;
using Iteration.Streaming.Events;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Iteration.Streaming.Client.Tests.Infrastructure;

/// <summary>
/// A stream endpoint that plays hand-written answers, one per request: a misbehaving or hostile server, to see
/// what the client makes of it. Once the script is used up it answers 410, which the client does not retry.
/// </summary>
public sealed class ScriptedStream
{
    private readonly ConcurrentQueue<Func<HttpContext, Task>> _answers = new();

    /// <summary>The <c>Last-Event-ID</c> header of each request, in order ("" when absent).</summary>
    public ConcurrentQueue<string> LastEventIds { get; } = new();

    public static string Frame(long id, StreamingProgressEvent e) => $"id: {id}\ndata: {e.ToWire()}\n\n";

    public ScriptedStream Answer(Func<HttpContext, Task> answer)
    {
        _answers.Enqueue(answer);
        return this;
    }

    /// <summary>Answers 200 <c>text/event-stream</c> with <paramref name="body"/>, then ends the stream.</summary>
    public ScriptedStream Sse(string body) => Answer(async context =>
    {
        context.Response.ContentType = "text/event-stream";
        await context.Response.WriteAsync(body);
    });

    public void Map(WebApplication app) => app.MapGet("/generations/{id}/stream", async context =>
    {
        LastEventIds.Enqueue(context.Request.Headers["Last-Event-ID"].ToString());
        if (_answers.TryDequeue(out var answer))
        {
            await answer(context);
            return;
        }

        await Results.Problem(detail: "The script is used up.", statusCode: StatusCodes.Status410Gone).ExecuteAsync(context);
    });
}
