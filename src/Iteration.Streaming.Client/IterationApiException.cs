using System.Net;
using System.Text.Json;
using Iteration.Streaming.Client.Http;

namespace Iteration.Streaming.Client;

/// <summary>
/// Thrown when the server answers with an error status; carries the status and the server's Problem Details.
/// </summary>
/// <remarks>
/// 400: the request broke a rule (<see cref="ApiProblem.Detail"/>, or the problem's <c>errors</c>, say which; the
/// message carries them). 401: the token is missing, forged or
/// expired (an action needs the control token). 403: the token belongs to another generation, or a read token was sent
/// for an action. 404: the generation or the file is unknown. 409: the parent of an iteration has not finished, the run
/// had ended, the generation cannot be retried (running or completed), or an input needs a review gate the run is not
/// at. 429: the generation has all the instructions it may take, or (with <see cref="BudgetRefusal"/> set) the host's
/// budget policy refused a start, iteration or retry.
/// </remarks>
public sealed class IterationApiException : Exception
{
    /// <summary>Creates the exception.</summary>
    public IterationApiException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public IterationApiException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public IterationApiException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for an error answer.</summary>
    /// <param name="statusCode">The HTTP status.</param>
    /// <param name="problem">The Problem Details body, when the server sent one.</param>
    public IterationApiException(HttpStatusCode statusCode, ApiProblem? problem)
        : this(statusCode, problem, retryAfter: null)
    {
    }

    /// <summary>Creates the exception for an error answer with its <c>Retry-After</c>.</summary>
    internal IterationApiException(HttpStatusCode statusCode, ApiProblem? problem, TimeSpan? retryAfter)
        : base(Describe(statusCode, problem))
    {
        StatusCode = statusCode;
        Problem = problem;
        BudgetRefusal = BudgetProblems.Read(problem, retryAfter);
    }

    /// <summary>The HTTP status the server answered with.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>The server's Problem Details, when it sent some.</summary>
    public ApiProblem? Problem { get; }

    /// <summary>
    /// When the server refused for a budget (Problem Details of type <see cref="BudgetRefusal.ProblemType"/>): which
    /// limit, its value, how much is used and when it resets; <see langword="null"/> for any other error.
    /// </summary>
    public BudgetRefusal? BudgetRefusal { get; }

    private static string Describe(HttpStatusCode statusCode, ApiProblem? problem)
    {
        // A validation problem may name its fields only in "errors" ({"action": ["..."]}), under a generic title.
        var text = problem?.Detail ?? Join(problem?.Title, Errors(problem));
        return text is null
            ? $"The server answered {(int)statusCode} ({statusCode})."
            : $"The server answered {(int)statusCode} ({statusCode}): {text}";
    }

    private static string? Errors(ApiProblem? problem)
    {
        if (problem is null || !problem.Extensions.TryGetValue("errors", out var errors) || errors.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var fields = errors.EnumerateObject()
            .Select(field => field.Value.ValueKind == JsonValueKind.Array
                ? $"{field.Name}: {string.Join(" ", field.Value.EnumerateArray().Where(m => m.ValueKind == JsonValueKind.String).Select(m => m.GetString()))}"
                : field.Name)
            .ToList();
        return fields.Count == 0 ? null : string.Join("; ", fields);
    }

    private static string? Join(string? title, string? errors) =>
        (title, errors) switch
        {
            (null, _) => errors,
            (_, null) => title,
            _ => $"{title} {errors}",
        };
}
