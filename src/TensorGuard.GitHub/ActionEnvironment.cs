using System.Collections;

namespace TensorGuard.GitHub;

/// <summary>
/// The environment variables a GitHub Actions step sees. The runner passes action inputs as
/// <c>INPUT_&lt;NAME&gt;</c> with the name upper-cased and hyphens kept (<c>INPUT_FAIL-ON</c>), which no
/// shell can name, so they are read from the process environment rather than through a shell.
/// </summary>
public sealed class ActionEnvironment
{
    private readonly IReadOnlyDictionary<string, string> variables;

    public ActionEnvironment(IReadOnlyDictionary<string, string> variables)
    {
        this.variables = variables;
    }

    /// <summary>Whether the process runs as a step of a GitHub Actions job.</summary>
    public bool IsGitHubActions => string.Equals(Get("GITHUB_ACTIONS"), "true", StringComparison.Ordinal);

    public static ActionEnvironment FromProcess()
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string name && entry.Value is string value)
            {
                variables[name] = value;
            }
        }

        return new ActionEnvironment(variables);
    }

    /// <summary>The variable that carries an action input, as the runner names it.</summary>
    public static string InputVariable(string inputName) =>
        "INPUT_" + inputName.Replace(' ', '_').ToUpperInvariant();

    /// <summary>A variable's value, or null when it is unset or empty.</summary>
    public string? Get(string name) =>
        variables.TryGetValue(name, out string? value) && value.Length > 0 ? value : null;

    /// <summary>An action input with surrounding whitespace trimmed, or null when it is unset or blank.</summary>
    public string? Input(string inputName)
    {
        string? value = Get(InputVariable(inputName))?.Trim();
        return string.IsNullOrEmpty(value) ? null : value;
    }
}
