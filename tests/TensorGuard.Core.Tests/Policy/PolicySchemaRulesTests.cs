using System.Text.Json;
using TensorGuard.Core.Policy;
using TensorGuard.ModelFactory;

namespace TensorGuard.Core.Tests.Policy;

/// <summary>The editor schema offers exactly the rules the loader accepts, with the same restrictions on fixed rules.</summary>
public sealed class PolicySchemaRulesTests
{
    private static JsonDocument Schema() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryFiles.Root, "policies", "policy.schema.json")));

    [Fact]
    public void Rules_EveryRuleId_IsInTheSchemaAndFixedRulesAreErrorOnly()
    {
        using JsonDocument schema = Schema();
        JsonElement rules = schema.RootElement.GetProperty("properties").GetProperty("rules").GetProperty("properties");

        Assert.Equal(RuleIds.DefaultSeverities.Keys.Order(StringComparer.Ordinal), rules.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        foreach (string fixedRule in RuleIds.DefaultSeverities.Keys.Where(RuleIds.IsFixed))
        {
            Assert.Equal("error", rules.GetProperty(fixedRule).GetProperty("const").GetString());
        }
    }

    [Fact]
    public void Exceptions_RuleEnum_IsEveryRuleThatCanBeExcepted()
    {
        using JsonDocument schema = Schema();
        string[] excepted = [.. schema.RootElement.GetProperty("$defs").GetProperty("exception").GetProperty("properties").GetProperty("rule").GetProperty("enum").EnumerateArray().Select(e => e.GetString()!)];

        Assert.Equal(RuleIds.DefaultSeverities.Keys.Where(r => !RuleIds.IsFixed(r)).Order(StringComparer.Ordinal), excepted.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void TopLevelAndOrganisationKeys_InTheSchema_AreTheKeysTheLoaderAccepts()
    {
        using JsonDocument schema = Schema();
        JsonElement properties = schema.RootElement.GetProperty("properties");
        string[] topLevel = [.. properties.EnumerateObject().Select(p => p.Name)];
        string[] organisation = [.. properties.GetProperty("organisation").GetProperty("properties").EnumerateObject().Select(p => p.Name)];

        // A key with no value is read as absent, so only an unknown key can make these fail.
        Assert.All(topLevel, key => Assert.DoesNotContain("unknown key", Problems($"version: 1\n{key}:\n"), StringComparison.Ordinal));
        Assert.All(organisation, key => Assert.DoesNotContain("unknown key", Problems($"version: 1\norganisation:\n  {key}:\n"), StringComparison.Ordinal));
        Assert.Contains("unknown key 'organization'", Problems("version: 1\norganization:\n"), StringComparison.Ordinal);
        Assert.Equal(["version"], schema.RootElement.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("extends", topLevel);
    }

    [Fact]
    public void ListKeys_TheSchemaTypesAsArrays_RefuseAScalarInTheLoader()
    {
        using JsonDocument schema = Schema();
        JsonElement organisation = schema.RootElement.GetProperty("properties").GetProperty("organisation").GetProperty("properties");

        foreach (JsonProperty key in organisation.EnumerateObject().Where(p => p.Value.TryGetProperty("type", out JsonElement type) && type.GetString() == "array"))
        {
            Assert.Contains("must be a list", Problems($"version: 1\norganisation:\n  {key.Name}: x\n"), StringComparison.Ordinal);
        }
    }

    /// <summary>Every problem the loader reports for <paramref name="yaml"/>, one per line; empty when it loads.</summary>
    private static string Problems(string yaml)
    {
        try
        {
            PolicyLoader.Read(YamlTreeReader.Read(yaml, "policy.yml"), "policy.yml", Path.GetTempPath());
            return string.Empty;
        }
        catch (PolicyException error)
        {
            return error.Message;
        }
    }
}
