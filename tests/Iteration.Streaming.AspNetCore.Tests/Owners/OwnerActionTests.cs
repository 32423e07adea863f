using System.Net;
using System.Net.Http.Json;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.AspNetCore.Tests.Owners;

/// <summary>
/// Actions by ownership with cookie authentication: the owner acts without the control token from the host's own pages;
/// another signed-in user, or the owner from another site, is refused as a caller without a token.
/// </summary>
public sealed class OwnerActionTests(OwnerReadsFixture fixture) : IClassFixture<OwnerReadsFixture>
{
    private Task<string> AlicesRunningAsync() =>
        fixture.Host.AddGenerationAsync("alice", fixture.Host.Host.Now, GenerationStatus.Processing);

    [Fact]
    public async Task Cancel_ByTheOwnerWithTheCookie_Answers202()
    {
        var id = await AlicesRunningAsync();

        using var response = await SignedInHost.SendAsync(fixture.Alice, HttpMethod.Delete, $"generations/{id}", "same-origin");

        response.StatusCode.Should().Be(HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task Cancel_ByAnotherUser_Answers401AndLeavesItRunning()
    {
        var id = await AlicesRunningAsync();

        using var response = await SignedInHost.SendAsync(fixture.Bob, HttpMethod.Delete, $"generations/{id}", "same-origin");

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        (await fixture.Host.Host.Records.GetAsync(id))!.Status.Should().Be(GenerationStatus.Processing);
    }

    [Theory]
    [InlineData("cross-site")]
    [InlineData("same-site")]
    public async Task Cancel_ByTheOwnerFromAnotherSite_Answers401(string fetchSite)
    {
        var id = await AlicesRunningAsync();

        using var response = await SignedInHost.SendAsync(fixture.Alice, HttpMethod.Delete, $"generations/{id}", fetchSite);

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        (await fixture.Host.Host.Records.GetAsync(id))!.Status.Should().Be(GenerationStatus.Processing);
    }

    [Fact]
    public async Task Retry_ByAnotherUser_Answers401()
    {
        var id = await fixture.Host.AddGenerationAsync("alice", fixture.Host.Host.Now, GenerationStatus.Failed);

        using var response = await fixture.Bob.PostAsync($"generations/{id}/retry", content: null);

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Iterate_FromAnotherUsersGeneration_Answers401()
    {
        using var response = await fixture.Bob.PostAsJsonAsync(
            "generations/iterate",
            new IterateGenerationRequest { ParentGenerationId = fixture.AlicesId, ModificationPrompt = "Add due dates" },
            IterationStreamingJson.IterateGenerationRequest);

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Iterate_FromTheirOwnGeneration_StartsAnIterationTheyOwn()
    {
        using var response = await fixture.Alice.PostAsJsonAsync(
            "generations/iterate",
            new IterateGenerationRequest { ParentGenerationId = fixture.AlicesId, ModificationPrompt = "Add due dates" },
            IterationStreamingJson.IterateGenerationRequest);

        response.StatusCode.Should().Be(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var started = await response.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationStartedResponse);
        (await fixture.Host.Host.Records.GetAsync(started!.GenerationId))!.UserId.Should().Be("alice");
    }

    [Fact]
    public async Task Input_ByAnotherUser_Answers401()
    {
        var id = await AlicesRunningAsync();

        using var response = await fixture.Bob.PostAsJsonAsync(
            $"generations/{id}/input", new GenerationInputRequest { Action = "instruct", Instruction = "Use tabs" }, IterationStreamingJson.GenerationInputRequest);

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
    }
}
