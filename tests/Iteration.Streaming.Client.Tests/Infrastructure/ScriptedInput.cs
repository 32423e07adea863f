using System.Collections.Concurrent;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Iteration.Streaming.Client.Tests.Infrastructure;

/// <summary>
/// A <c>POST /generations/{id}/input</c> endpoint that answers as the review-gate contract says (202 with a receipt) or
/// as the test scripts it (a Problem Details error, a hostile body), and records every request it got: what a user
/// of the client would map to test their own code against.
/// </summary>
public sealed class ScriptedInput
{
    /// <summary>The SSE id the default receipt names.</summary>
    public const long EventId = 42;

    private readonly ConcurrentQueue<Func<HttpContext, RecordedInput, Task>> _answers = new();

    /// <summary>Every input request, in order.</summary>
    public ConcurrentQueue<RecordedInput> Requests { get; } = new();

    /// <summary>The only request received (fails the test when there were more or none).</summary>
    public RecordedInput OnlyRequest => Requests.Should().ContainSingle().Subject;

    /// <summary>Answers the next request with <paramref name="answer"/> instead of the contract's 202.</summary>
    public ScriptedInput Answer(Func<HttpContext, RecordedInput, Task> answer)
    {
        _answers.Enqueue(answer);
        return this;
    }

    /// <summary>Answers the next request with a Problem Details error.</summary>
    public ScriptedInput Problem(int status, string detail) =>
        Answer((context, _) => Results.Problem(detail: detail, statusCode: status).ExecuteAsync(context));

    /// <summary>Answers the next request 202 with <paramref name="body"/> as the JSON body, as written.</summary>
    public ScriptedInput Accepted(string body) => Answer(async (context, _) =>
    {
        context.Response.StatusCode = StatusCodes.Status202Accepted;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body);
    });

    public void Map(WebApplication app) => app.MapPost("/generations/{id}/input", async (HttpContext context, string id) =>
    {
        // The whole body is read before answering, as the real endpoint does: the client never races an early answer.
        using var reader = new StreamReader(context.Request.Body);
        var recorded = new RecordedInput(
            id,
            context.Request.Path + context.Request.QueryString,
            context.Request.Headers.Authorization.ToString(),
            context.Request.ContentType ?? string.Empty,
            await reader.ReadToEndAsync());
        Requests.Enqueue(recorded);
        if (_answers.TryDequeue(out var answer))
        {
            await answer(context, recorded);
            return;
        }

        await ContractAnswerAsync(context, recorded);
    });

    /// <summary>The contract's 202: the action, an event id, and the status the action leads to.</summary>
    private static Task ContractAnswerAsync(HttpContext context, RecordedInput recorded)
    {
        var input = recorded.Input;
        var receipt = new GenerationInputAccepted
        {
            GenerationId = recorded.GenerationId,
            Action = input.Action!,
            EventId = EventId,
            Status = input.Action switch
            {
                InputActions.Approve or InputActions.RevisePlan => GenerationStatus.Processing,
                InputActions.Cancel => GenerationStatus.Cancelled,
                _ => GenerationStatus.AwaitingInput,
            },
        };
        return Results.Json(receipt, IterationStreamingJson.GenerationInputAccepted, statusCode: StatusCodes.Status202Accepted).ExecuteAsync(context);
    }
}
