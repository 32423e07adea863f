using System.Net;
using System.Text;
using System.Text.Json;
using Iteration.Streaming.Client.Http;
using Iteration.Streaming.Client.Serialization;

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

    [Fact]
    public void Message_ValidationProblemWithErrorsOnly_NamesEachFieldAndItsMessages()
    {
        var problem = Read("""{"title":"One or more validation errors occurred.","status":400,"errors":{"action":["Unknown action."],"files[0].path":["Must be relative.","Is locked."]}}""");

        var e = new IterationApiException(HttpStatusCode.BadRequest, problem);

        e.Message.Should().Be("The server answered 400 (BadRequest): One or more validation errors occurred. action: Unknown action.; files[0].path: Must be relative. Is locked.");
    }

    [Fact]
    public void Message_DetailAndErrors_UsesTheDetailOnly()
    {
        var problem = Read("""{"detail":"instruction is too long.","errors":{"instruction":["Too long."]}}""");

        new IterationApiException(HttpStatusCode.BadRequest, problem).Message.Should().EndWith(": instruction is too long.");
    }

    [Theory]
    [InlineData("""{"errors":"not an object"}""", "The server answered 400 (BadRequest).")]
    [InlineData("""{"errors":{}}""", "The server answered 400 (BadRequest).")]
    [InlineData("""{"errors":{"action":[1,null,"Unknown."]}}""", "The server answered 400 (BadRequest): action: Unknown.")]
    public void Message_HostileErrors_AreReadAsFarAsTheyMakeSense(string body, string message)
    {
        var problem = Read(body);

        new IterationApiException(HttpStatusCode.BadRequest, problem).Message.Should().Be(message);
    }

    [Fact]
    public void Read_ProblemWithOtherMembers_KeepsThemAsExtensionsButNotTheStandardOnes()
    {
        var problem = Read("""{"title":"Bad","Detail":"x","traceId":"00-abc","errors":{"a":["b"]}}""");

        problem.Detail.Should().Be("x");
        problem.Extensions.Keys.Should().BeEquivalentTo("traceId", "errors");
        problem.Extensions["traceId"].GetString().Should().Be("00-abc");
    }

    // As the client reads an error body: the five standard members, then every other one as an extension.
    [Fact]
    public void BudgetRefusal_BudgetProblem_ReadsLimitAllowedUsedAndResetsAt()
    {
        var problem = Read("""{"type":"https://iteration-streaming.dev/problems/budget-exceeded","status":429,"detail":"No tokens left today.","limit":"owner_concurrent_generations","allowed":3,"used":3,"resets_at":"2026-12-07T00:00:00+00:00"}""");

        var e = new IterationApiException(HttpStatusCode.TooManyRequests, problem);

        e.BudgetRefusal.Should().Be(new BudgetRefusal
        {
            Limit = BudgetRefusal.ConcurrentGenerations,
            Allowed = 3,
            Used = 3,
            ResetsAt = new DateTimeOffset(2026, 12, 7, 0, 0, 0, TimeSpan.Zero),
        });
    }

    [Theory]
    [InlineData("""{"status":429,"detail":"This generation already has 50 instructions."}""")]
    [InlineData("""{"type":"about:blank","status":429,"limit":"owner_tokens_per_day"}""")]
    public void BudgetRefusal_AnotherProblem_IsNull(string body)
    {
        new IterationApiException(HttpStatusCode.TooManyRequests, Read(body)).BudgetRefusal.Should().BeNull();
    }

    [Fact]
    public void BudgetRefusal_MembersOfAnotherShape_AreLeftOutAndTheDetailStays()
    {
        var problem = Read("""{"type":"https://iteration-streaming.dev/problems/budget-exceeded","detail":"Over budget.","limit":7,"allowed":"many","used":1.5,"resets_at":"tomorrow"}""");

        var e = new IterationApiException(HttpStatusCode.TooManyRequests, problem);

        e.BudgetRefusal.Should().Be(new BudgetRefusal { Limit = string.Empty });
        e.Message.Should().EndWith("Over budget.");
    }

    private static ApiProblem Read(string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var problem = JsonSerializer.Deserialize(bytes, ClientJsonContext.Default.ApiProblem)!;
        ApiResponses.AddExtensions(problem, bytes);
        return problem;
    }
}
