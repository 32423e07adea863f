using System.Text.RegularExpressions;
using Iteration.Streaming.Sample.Web.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Iteration.Streaming.Sample.Web.Tests.Browser;

/// <summary>
/// Budgets on the page: a budget set at start is sent, held to and shown as spend against it on the run and in the list;
/// a run stopped by its budget keeps its saved phases, and "Raise budget and retry" continues from them. The demo model
/// spends about 270, 650, 650, 150 and 300 output tokens on the five phases of a two-entity run.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class BudgetPageTests(BrowserFixture browser)
{
    [Fact]
    public async Task Start_WithABudget_SendsItAndShowsSpendAgainstItOnTheRunAndInTheList()
    {
        await using var server = await SampleServer.StartAsync();
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);
        await page.Page.Locator("#budget").FillAsync("3000");

        var request = await page.Page.RunAndWaitForRequestAsync(
            () => page.StartAsync(), r => r.Method == "POST" && r.Url.EndsWith("/generations", StringComparison.Ordinal));
        await page.ExpectCompletedAsync();

        request.PostDataJSON()!.Value.GetProperty("budget").GetProperty("max_output_tokens").GetInt64().Should().Be(3000);
        var spend = new Regex(@"^Spend: [\d,]+ of 3,000 output tokens \(\d+%\) · \d+\.\d{2,4} USD$");
        await Expect(page.Spend()).ToHaveTextAsync(spend);
        await Expect(page.Generations().Nth(0).Locator(".spend-line")).ToHaveTextAsync(spend);
    }

    [Fact]
    public async Task Run_PastItsBudget_StopsBudgetExceededAndRaiseBudgetAndRetryContinuesFromTheSavedPhases()
    {
        await using var server = await SampleServer.StartAsync();
        var page = new SamplePage(await browser.NewPageAsync());
        await page.OpenAsync(server.BaseAddress);
        await page.Page.Locator("#budget").FillAsync("1000");
        var stopped = await page.StartAsync();

        await page.ExpectStatusAsync("failed");
        (await page.StagesAsync()).Should().EndWith("budget_exceeded").And.Contain("phase_2_complete").And.NotContain("phase_3_complete");
        await Expect(page.Error).ToContainTextAsync(new Regex(@"Budget exceeded: [\d,]+ output tokens used of 1,000 allowed"));
        await Expect(page.Spend()).ToHaveTextAsync(new Regex(@"^Spend: [\d,]+ of 1,000 output tokens"));
        await Expect(page.Page.Locator("#raise-budget")).ToHaveValueAsync("2000");
        await page.Page.Locator("#raise-budget").FillAsync("4000");

        var retry = await page.Page.RunAndWaitForRequestAsync(
            () => page.Page.Locator("#raise-retry").ClickAsync(), r => r.Method == "POST" && r.Url.EndsWith("/retry", StringComparison.Ordinal));
        var retried = await page.NewGenerationIdAsync(stopped);
        await page.ExpectCompletedAsync();

        retry.PostDataJSON()!.Value.GetProperty("budget").GetProperty("max_output_tokens").GetInt64().Should().Be(4000);
        (await page.PhaseStatesAsync()).Should().Equal(
            "Core Infrastructure: kept", "User Entity: kept", "Task Entity: done", "Support Files: done", "Main Application: done");
        await Expect(page.Spend()).ToHaveTextAsync(new Regex(@"^Spend: [\d,]+ of 4,000 output tokens"));
        await Expect(page.Generations().Nth(0)).ToContainTextAsync($"retry of {stopped[..8]}");
        retried.Should().NotBe(stopped);
    }
}
