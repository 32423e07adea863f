using System.Net;

namespace Iteration.Streaming.AspNetCore.Tests.Http;

/// <summary>Inside the route group, a path no endpoint serves, or a method a path does not take, is a Problem Details too.</summary>
public sealed class UnmatchedRouteTests(DefaultHostFixture fixture) : IClassFixture<DefaultHostFixture>
{
    private HttpClient Client => fixture.Client;

    [Theory]
    [InlineData("DELETE", "generations", "POST")]
    [InlineData("PUT", "generations/3f2504e0-4f89-11d3-9a0c-0305e82c3301", "GET, DELETE")]
    [InlineData("PATCH", "generations/iterate", "GET, DELETE, POST")]
    [InlineData("POST", "generations/3f2504e0-4f89-11d3-9a0c-0305e82c3301/stream", "GET")]
    [InlineData("DELETE", "generations/3f2504e0-4f89-11d3-9a0c-0305e82c3301/files/a/b.cs", "GET")]
    [InlineData("GET", "generations/3f2504e0-4f89-11d3-9a0c-0305e82c3301/retry", "POST")]
    [InlineData("HEAD", "generations/3f2504e0-4f89-11d3-9a0c-0305e82c3301/archive", "GET")]
    [InlineData("PUT", "generations/3f2504e0-4f89-11d3-9a0c-0305e82c3301/live", "GET")]
    public async Task KnownPathWrongMethod_Answers405WithAllow(string method, string url, string allow)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), url);

        using var response = await Client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.MethodNotAllowed);
        response.Content.Headers.Allow.Should().Equal(allow.Split(", "));
        if (method != "HEAD")
        {
            await response.ShouldBeProblemAsync(HttpStatusCode.MethodNotAllowed);
        }
    }

    [Theory]
    [InlineData("generations/3f2504e0-4f89-11d3-9a0c-0305e82c3301/unknown")]
    [InlineData("generations/3f2504e0-4f89-11d3-9a0c-0305e82c3301/stream/extra")]
    [InlineData("generations/a/b/c/d")]
    public async Task UnknownPath_Answers404ProblemDetails(string url)
    {
        using var response = await Client.GetAsync(url);

        (await response.ShouldBeProblemAsync(HttpStatusCode.NotFound)).Should().Contain("No Iteration.Streaming endpoint");
    }

    [Fact]
    public async Task EmptyIdSegment_Answers404ProblemDetails()
    {
        using var response = await Client.GetAsync("generations//stream");

        await response.ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task PathOutsideTheGroup_IsLeftToTheHost()
    {
        using var response = await Client.GetAsync("elsewhere");

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        response.Content.Headers.ContentType.Should().BeNull("the group answers only under its prefix");
    }
}
