using System.Net;
using System.Text;
using Iteration.Streaming.AspNetCore.Tests.Owners;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Files;
using Iteration.Streaming.Events;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.AspNetCore.Tests.Changes;

/// <summary>
/// With <c>AddClaimsOwnerResolver()</c>: the signed-in owner diffs and reverts across their own generations with the
/// cookie alone; another user's generation named in <c>against</c> or <c>to</c> is refused, naming it.
/// </summary>
public sealed class OwnerChangesTests : IAsyncLifetime
{
    private SignedInHost _host = null!;
    private HttpClient _alice = null!;
    private HttpClient _bob = null!;

    public async Task InitializeAsync()
    {
        // Every generation writes the same files: diffs between them read no text (all unchanged).
        var generator = new ScriptedChangesGenerator { Script = context => [GeneratedFile.FromText($"src/phase{context.Phase.Number}.txt", "the same in every generation\n")] };
        _host = await SignedInHost.StartAsync(streaming => streaming.AddPhaseGenerator(_ => generator));
        _alice = await _host.SignInAsync("alice");
        _bob = await _host.SignInAsync("bob");
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Diff_ByTheOwnerOfBothWithoutTokens_Answers200()
    {
        var one = await SignedInHost.StartAndFinishAsync(_alice);
        var two = await SignedInHost.StartAndFinishAsync(_alice);

        using var response = await SignedInHost.SendAsync(_alice, HttpMethod.Get, $"generations/{one}/diff?against={two}");
        var body = await response.Content.ReadAsStringAsync();

        response.StatusCode.Should().Be(HttpStatusCode.OK, body);
        var diff = System.Text.Json.JsonSerializer.Deserialize(body, IterationStreamingJson.GenerationDiff)!;
        diff.AgainstGenerationId.Should().Be(two);
        diff.Files.Should().HaveCount(4).And.OnlyContain(f => f.Change == FileChangeKinds.Unchanged);
    }

    [Fact]
    public async Task Diff_AgainstAnotherUsersGeneration_Answers401NamingIt()
    {
        var alices = await SignedInHost.StartAndFinishAsync(_alice);
        var bobs = await SignedInHost.StartAndFinishAsync(_bob);

        using var response = await SignedInHost.SendAsync(_alice, HttpMethod.Get, $"generations/{alices}/diff?against={bobs}");

        (await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized)).Should().StartWith($"against generation '{bobs}': ");
    }

    [Fact]
    public async Task Revert_ToAnotherUsersGeneration_Answers401NamingIt()
    {
        var alices = await SignedInHost.StartAndFinishAsync(_alice);
        var bobs = await SignedInHost.StartAndFinishAsync(_bob);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"generations/{alices}/revert")
        {
            Content = new StringContent($"{{\"paths\":[\"src/phase1.txt\"],\"to\":\"{bobs}\"}}", Encoding.UTF8, "application/json"),
        };

        using var response = await _alice.SendAsync(request);

        (await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized)).Should().StartWith($"to generation '{bobs}': ");
    }

    [Fact]
    public async Task Fork_ByTheOwnerWithoutAToken_Answers202()
    {
        var alices = await SignedInHost.StartAndFinishAsync(_alice);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"generations/{alices}/fork")
        {
            Content = new StringContent("{\"from_phase\":1}", Encoding.UTF8, "application/json"),
        };

        using var response = await _alice.SendAsync(request);
        var fork = await ChangesHost.StartedAsync(response);

        fork.ForkedFrom.Should().Be(alices);
        (await _host.Host.Records.GetAsync(fork.GenerationId))!.UserId.Should().Be("alice");
    }
}
