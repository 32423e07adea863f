using System.Net;

namespace Iteration.Streaming.Client.Tests.Arguments;

public sealed class IterationApiExceptionTests
{
    [Fact]
    public void Message_WithProblemDetail_NamesTheStatusAndTheDetail()
    {
        var e = new IterationApiException(HttpStatusCode.Conflict, new ApiProblem { Title = "Conflict", Detail = "The parent is still running." });

        e.Message.Should().Be("The server answered 409 (Conflict): The parent is still running.");
        e.StatusCode.Should().Be(HttpStatusCode.Conflict);
    }

    [Fact]
    public void Message_WithTitleOnly_UsesTheTitle()
    {
        new IterationApiException(HttpStatusCode.NotFound, new ApiProblem { Title = "Not Found" }).Message.Should().EndWith(": Not Found");
    }

    [Fact]
    public void Message_WithoutProblem_NamesTheStatus()
    {
        new IterationApiException(HttpStatusCode.BadGateway, null).Message.Should().Be("The server answered 502 (BadGateway).");
    }
}
