using System.Net;

namespace Iteration.Streaming.AspNetCore.Tests.Multiplex;

/// <summary>Refusals of the multiplexed stream, checked without ever reading an event stream that was not refused.</summary>
internal static class MultiplexProblemAssertions
{
    /// <summary>
    /// <see cref="ProblemAssertions.ShouldBeProblemAsync"/>, but a stream that was opened instead (200, an endless body)
    /// fails at once rather than hanging the test on its body.
    /// </summary>
    public static async Task<string> ShouldBeRefusedAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        if (response.Content.Headers.ContentType?.MediaType == "text/event-stream")
        {
            response.StatusCode.Should().Be(status, "a refusal, not an open event stream");
        }

        return await response.ShouldBeProblemAsync(status).WithPatience();
    }
}
