using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Iteration.Streaming.Sample.Web.Tests.Infrastructure;

/// <summary>The sample's page as a user sees it, plus the events it recorded in <c>window.__events</c>.</summary>
public sealed class SamplePage(IPage page)
{
    public IPage Page => page;

    public ILocator Status => page.Locator("#status");

    public ILocator Percent => page.Locator("#percent");

    public ILocator Message => page.Locator("#message");

    public ILocator Phase => page.Locator("#phase");

    public ILocator FileCount => page.Locator("#file-count");

    public ILocator SavedCount => page.Locator("#saved-count");

    public ILocator Files => page.Locator("#files li a");

    public ILocator Archive => page.Locator("#archive");

    public ILocator Connection => page.Locator("#connection");

    public ILocator Error => page.Locator("#error-text");

    public ILocator ErrorAction => page.Locator("#retry");

    public ILocator Warning => page.Locator("#warning");

    public ILocator Cancel => page.Locator("#cancel");

    public ILocator GenerationId => page.Locator("#generation-id");

    /// <summary>The name this page signed in as (a new one for each page unless given), or null before it signed in.</summary>
    public string? UserName { get; private set; }

    /// <summary>
    /// Opens the page and, when its context is not signed in yet, signs in (as <paramref name="userName"/>, or a name of
    /// its own), as a visitor does before starting anything. Another page of the same context shares the cookie.
    /// </summary>
    public async Task OpenAsync(Uri baseAddress, string? userName = null)
    {
        await page.GotoAsync(baseAddress.ToString());
        await Expect(page.Locator("#account:visible, #sign-in-card:visible").First).ToBeVisibleAsync();
        if (await page.Locator("#sign-in-card").IsVisibleAsync())
        {
            await SignInAsync(userName ?? $"user-{Guid.NewGuid():N}"[..20]);
        }
        else
        {
            UserName = await page.Locator("#account-name").TextContentAsync();
        }
    }

    /// <summary>Signs in with the page's form and waits until the page says so.</summary>
    public async Task SignInAsync(string userName)
    {
        await page.Locator("#sign-in-name").FillAsync(userName);
        await page.Locator("#sign-in").ClickAsync();
        await Expect(page.Locator("#account-name")).ToHaveTextAsync(userName);
        UserName = userName;
    }

    /// <summary>Fills the start form and submits it; returns once the page shows the new generation's id.</summary>
    public async Task<string> StartAsync(string prompt = "A task tracker API with users and tasks", string entities = "User, Task")
    {
        var before = await GenerationId.TextContentAsync() ?? string.Empty;
        await page.Locator("#prompt").FillAsync(prompt);
        await page.Locator("#entities").FillAsync(entities);
        await page.Locator("#start").ClickAsync();
        return await NewGenerationIdAsync(before);
    }

    /// <summary>Waits until the page shows another generation than <paramref name="before"/>, and returns its id.</summary>
    public async Task<string> NewGenerationIdAsync(string before)
    {
        await Expect(GenerationId).Not.ToHaveTextAsync(before);
        await Expect(GenerationId).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[0-9a-f-]{36}$"));
        return (await GenerationId.TextContentAsync())!;
    }

    public async Task ExpectCompletedAsync()
    {
        await ExpectStatusAsync("completed");
        await Expect(Percent).ToHaveTextAsync("100% complete");
    }

    /// <summary>Asserts the page shows <paramref name="status"/>, waiting for it as long as an assertion does.</summary>
    /// <remarks>
    /// Waits first by checking every 50 ms: a Playwright assertion backs off to checking every 500 ms, which costs a
    /// quarter of a second on average for each wait on a run's end, and some 20 s over the browser tests.
    /// </remarks>
    public async Task ExpectStatusAsync(string status)
    {
        await WaitForTextAsync("#status", status);
        await Expect(Status).ToHaveTextAsync(status);
    }

    /// <summary>Waits until the element shows <paramref name="text"/>; the assertion after it says what it shows instead.</summary>
    private async Task WaitForTextAsync(string selector, string text)
    {
        try
        {
            await page.WaitForFunctionAsync(
                "([selector, text]) => document.querySelector(selector)?.textContent.trim() === text",
                new[] { selector, text },
                new PageWaitForFunctionOptions { PollingInterval = 50 });
        }
        catch (System.TimeoutException)
        {
        }
    }

    /// <summary>Waits until the page has received an event of <paramref name="stage"/>.</summary>
    public Task WaitForStageAsync(string stage) =>
        page.WaitForFunctionAsync("stage => window.__events.some(e => e.stage === stage)", stage);

    /// <summary>Every event the page received: (SSE id, stage, status).</summary>
    public async Task<IReadOnlyList<(long Id, string Stage, string Status)>> EventsAsync()
    {
        var events = await page.EvaluateAsync<JsonElement>("() => window.__events.map(e => [e.id, e.stage, e.status])");
        return events.EnumerateArray()
            .Select(e => (e[0].GetInt64(), e[1].GetString()!, e[2].GetString()!))
            .ToList();
    }

    /// <summary>The paths listed under "Saved files".</summary>
    public async Task<IReadOnlyList<string>> SavedFilesAsync() => await Files.AllTextContentsAsync();
}
