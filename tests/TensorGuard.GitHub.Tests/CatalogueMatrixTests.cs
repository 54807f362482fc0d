using System.Text.Json;
using TensorGuard.Core.Policy;

namespace TensorGuard.GitHub.Tests;

public sealed class CatalogueMatrixTests
{
    private static BaseCatalogue Catalogue(int count) => new("catalogue.yml", "/catalogue",
        [.. Enumerable.Range(0, count).Select(i => new CatalogueEntry($"base-{i:0000}", $"org/base-{i:0000}", "main", "f", "mit", false, null, new SourcePosition(i + 3, 5)))]);

    [Theory]
    [InlineData(1)]
    [InlineData(256)]
    public void Jobs_UpTo256Bases_OneJobPerBase(int count)
    {
        IReadOnlyList<MatrixJob> jobs = CatalogueMatrix.Jobs(Catalogue(count));

        Assert.Equal(count, jobs.Count);
        Assert.All(jobs, job => Assert.Equal(job.Name, job.Ids));
    }

    [Theory]
    [InlineData(257)]
    [InlineData(600)]
    [InlineData(5000)]
    public void Jobs_PastGitHubsLimit_SplitIntoAtMost256ChunksCoveringEveryBaseOnceInOrder(int count)
    {
        IReadOnlyList<MatrixJob> jobs = CatalogueMatrix.Jobs(Catalogue(count));

        Assert.Equal(CatalogueMatrix.MaxJobs, jobs.Count);
        string[] ids = [.. jobs.SelectMany(job => job.Ids.Split(' '))];
        Assert.Equal(Catalogue(count).Entries.Select(e => e.Id), ids);
        int[] sizes = [.. jobs.Select(job => job.Ids.Split(' ').Length)];
        Assert.InRange(sizes.Max() - sizes.Min(), 0, 1);
        Assert.Equal(jobs.Count, jobs.Select(job => job.Name).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void ToJson_IsTheMatrixShapeFromJsonExpects()
    {
        using JsonDocument json = JsonDocument.Parse(CatalogueMatrix.ToJson(Catalogue(2)));

        JsonElement include = json.RootElement.GetProperty("include");
        Assert.Equal("base-0001", include[1].GetProperty("ids").GetString());
        Assert.Equal("base-0000", include[0].GetProperty("name").GetString());
        Assert.Single(json.RootElement.EnumerateObject());
    }
}
