using System.Text.RegularExpressions;
using Iteration.Streaming.Sample.Web.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Iteration.Streaming.Sample.Web.Tests.Browser;

/// <summary>
/// "Your generations": listed by the server for the signed-in user (another tab, another context with the same cookie,
/// cleared storage: the same list), opened live or final by ownership, never another user's; no token kept in the browser.
/// </summary>
[Collection(SecondBrowserCollection.Name)]
public sealed class GenerationListTests(BrowserFixture browser)
{
    [Fact]
    public async Task BarePage_AfterRuns_ListsEachGenerationWithItsPromptStatusAndTime()
    {
        await using var server = await SampleServer.StartAsync();
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);
        var completed = await page.StartAsync("A library catalogue");
        await page.ExpectCompletedAsync();
        var failed = await page.StartAsync("A task tracker [fail-always:phase=2]");
        await page.ExpectStatusAsync("failed");

        // Another tab of the same browser: no current generation (session storage is per tab), the same list.
        var bare = new SamplePage(await page.Page.Context.NewPageAsync());
        await bare.OpenAsync(server.BaseAddress);

        await Expect(bare.Page.Locator("#progress-card")).ToBeHiddenAsync();
        await Expect(bare.Generations()).ToHaveCountAsync(2);
        await Expect(bare.Generations().Nth(0)).ToContainTextAsync("A task tracker [fail-always:phase=2]");
        await Expect(bare.Generations().Nth(0).Locator(".badge")).ToHaveTextAsync("failed");
        await Expect(bare.Generations().Nth(0)).ToContainTextAsync(new Regex($@"generation · just now · 5 files · {failed[..8]}"));
        await Expect(bare.Generations().Nth(1)).ToContainTextAsync("A library catalogue");
        await Expect(bare.Generations().Nth(1).Locator(".badge")).ToHaveTextAsync("completed");
        await Expect(bare.Generations().Nth(1).Locator("time")).ToHaveAttributeAsync("datetime", new Regex(@"^\d{4}-\d\d-\d\dT"));
        await Expect(bare.Generations().Nth(1)).ToContainTextAsync($"23 files · {completed[..8]}");
    }

    [Fact]
    public async Task OpenFromTheList_FinishedGeneration_ShowsItsFinalStateAndFilesByOwnership()
    {
        await using var server = await SampleServer.StartAsync();
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);
        var id = await page.StartAsync("A library catalogue");
        await page.ExpectCompletedAsync();
        var bare = new SamplePage(await page.Page.Context.NewPageAsync());
        await bare.OpenAsync(server.BaseAddress);

        await bare.Generations().GetByRole(AriaRole.Button, new() { Name = "A library catalogue" }).ClickAsync();

        await Expect(bare.GenerationId).ToHaveTextAsync(id);
        await bare.ExpectCompletedAsync();
        await Expect(bare.Elapsed()).ToHaveTextAsync(new Regex(@"^took \d+ s$"));
        (await bare.PhaseStatesAsync()).Should().HaveCount(5).And.OnlyContain(s => s.EndsWith(": done", StringComparison.Ordinal));
        await Expect(bare.Files).ToHaveCountAsync(23);
        (await bare.Files.First.GetAttributeAsync("href")).Should().NotContain("token", "files open by ownership");
        await Expect(bare.Generations().Nth(0)).ToHaveAttributeAsync("aria-current", "true");
    }

    [Fact]
    public async Task OpenFromTheList_RunningGeneration_FollowsItLiveToTheEnd()
    {
        await using var server = await SampleServer.StartAsync(controlled: true);
        server.Control!.HoldBefore(3);
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);
        var id = await page.StartAsync();
        await page.WaitForStageAsync("phase_3_started");
        var bare = new SamplePage(await page.Page.Context.NewPageAsync());
        await bare.OpenAsync(server.BaseAddress);
        await Expect(bare.Generations().Nth(0).Locator(".badge")).ToHaveTextAsync("processing");

        await bare.Generations().Locator("button").First.ClickAsync();
        await bare.ExpectStatusAsync("processing");
        await Expect(bare.Phase).ToHaveTextAsync("Phase 3/5 — Task Entity");
        server.Control.Release(3);

        await bare.ExpectCompletedAsync();
        await Expect(bare.GenerationId).ToHaveTextAsync(id);
        (await bare.StagesAsync()).Should().Contain("phase_3_complete", "the stream was followed from the snapshot on");
        await Expect(bare.Generations().Nth(0).Locator(".badge")).ToHaveTextAsync("completed");
    }

    [Fact]
    public async Task ClearedStorage_AfterARun_LosesNothingAndASecondContextWithTheCookieSeesTheSameList()
    {
        await using var server = await SampleServer.StartAsync();
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);
        var id = await page.StartAsync("A library catalogue");
        await page.ExpectCompletedAsync();

        await page.Page.EvaluateAsync("() => { localStorage.clear(); sessionStorage.clear(); }");
        await page.Page.ReloadAsync();
        var second = await browser.Browser.NewContextAsync();
        await second.AddCookiesAsync((await page.Page.Context.CookiesAsync()).Select(c => new Cookie
        {
            Name = c.Name, Value = c.Value, Domain = c.Domain, Path = c.Path, HttpOnly = c.HttpOnly, Secure = c.Secure, SameSite = c.SameSite,
        }));
        var other = new SamplePage(await second.NewPageAsync());
        await other.OpenAsync(server.BaseAddress);

        foreach (var view in new[] { page, other })
        {
            await Expect(view.Page.Locator("#account-name")).ToHaveTextAsync(page.UserName!);
            await Expect(view.Generations()).ToHaveCountAsync(1);
            await Expect(view.Generations().Nth(0)).ToContainTextAsync(id[..8]);
        }

        await other.Generations().Locator("button").First.ClickAsync();
        await other.ExpectCompletedAsync();
        await Expect(other.Files).ToHaveCountAsync(23);
    }

    [Fact]
    public async Task TwoUsers_InTwoContexts_EachListOnlyTheirOwnAndCannotOpenTheOthers()
    {
        await using var server = await SampleServer.StartAsync();
        var alice = new SamplePage(await browser.NewPageAsync());
        var bob = new SamplePage(await browser.NewPageAsync());
        await alice.OpenAsync(server.BaseAddress, "alice");
        await bob.OpenAsync(server.BaseAddress, "bob");
        var alices = await alice.StartAsync("Alice's library");
        var bobs = await bob.StartAsync("Bob's garage");
        await alice.ExpectCompletedAsync();
        await bob.ExpectCompletedAsync();

        await alice.Page.ReloadAsync();
        await bob.Page.ReloadAsync();

        await Expect(alice.Generations()).ToHaveCountAsync(1);
        await Expect(alice.Generations().Nth(0)).ToContainTextAsync("Alice's library");
        await Expect(bob.Generations()).ToHaveCountAsync(1);
        await Expect(bob.Generations().Nth(0)).ToContainTextAsync("Bob's garage");

        // Bob's tab pointed at Alice's generation (as a shared id would): refused by the server as if he had no token.
        await bob.Page.EvaluateAsync("([key, id]) => sessionStorage.setItem(key, JSON.stringify({ id }))", new[] { SamplePageExtensions.CurrentKey, alices });
        await bob.Page.ReloadAsync();
        await bob.ExpectStatusAsync("unauthorized");
        await Expect(bob.Error).ToContainTextAsync("Sign in as its owner");
        await Expect(bob.Files).ToHaveCountAsync(0);
        var cancel = await bob.Page.APIRequest.DeleteAsync(new Uri(server.BaseAddress, $"/generations/{alices}").ToString());
        cancel.Status.Should().Be(401, "Bob cannot act on Alice's generation");
        bobs.Should().NotBe(alices);
    }

    [Fact]
    public async Task Run_ToTheEnd_LeavesNoTokenInLocalOrSessionStorageOrAnyUrl()
    {
        await using var server = await SampleServer.StartAsync();
        var page = new SamplePage(await browser.NewPageAsync());
        var urls = new List<string>();
        page.Page.Request += (_, request) =>
        {
            lock (urls)
            {
                urls.Add(request.Url);
            }
        };
        await page.OpenAsync(server.BaseAddress);

        var started = await page.StartedByAsync(() => page.StartAsync());
        await page.ExpectCompletedAsync();
        await page.File("Program.cs").ClickAsync();
        await Expect(page.PreviewText()).Not.ToBeEmptyAsync();

        var tokens = new[] { started.GetProperty("sse_token").GetString()!, started.GetProperty("control_token").GetString()! };
        (await page.Page.EvaluateAsync<int>("() => localStorage.length")).Should().Be(0, "the page keeps nothing in localStorage");
        var storage = await page.StorageAsync();
        storage.Should().ContainSingle().Which.Should().StartWith($"{SamplePageExtensions.CurrentKey}=");
        foreach (var token in tokens)
        {
            storage.Should().NotContain(s => s.Contains(token, StringComparison.Ordinal));
            storage.Should().NotContain(s => s.Contains(token.Split('.').Last(), StringComparison.Ordinal));
        }

        lock (urls)
        {
            urls.Should().NotContain(u => u.Contains("token=", StringComparison.Ordinal), "streams and files go by ownership");
        }
    }

    [Fact]
    public async Task SignOut_AfterARun_HidesEverythingAndTheListNeedsASignInAgain()
    {
        await using var server = await SampleServer.StartAsync();
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);
        await page.StartAsync();
        await page.ExpectCompletedAsync();

        await page.Page.Locator("#sign-out").ClickAsync();

        await Expect(page.Page.Locator("#sign-in-card")).ToBeVisibleAsync();
        await Expect(page.Page.Locator("#demo-identity")).ToContainTextAsync("demo identity");
        await Expect(page.Page.Locator("#progress-card")).ToBeHiddenAsync();
        await Expect(page.Page.Locator("#generations-card")).ToBeHiddenAsync();
        await Expect(page.Page.Locator("#start-card")).ToBeHiddenAsync();
        (await page.StorageAsync()).Should().BeEmpty();
        (await page.Page.Context.CookiesAsync()).Should().NotContain(c => c.Name == "iteration-sample-identity");
        var list = await page.Page.APIRequest.GetAsync(new Uri(server.BaseAddress, "/generations?owner=me").ToString());
        list.Status.Should().Be(401);

        await page.SignInAsync(page.UserName!);
        await Expect(page.Generations()).ToHaveCountAsync(1);
    }
}
