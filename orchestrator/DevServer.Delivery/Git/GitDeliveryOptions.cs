namespace DevServer.Delivery.Git;

/// <summary>Where delivery keeps its clone caches and checkouts, and who its commits say made them.</summary>
public sealed record GitDeliveryOptions(string Root)
{
    public string CommitterName { get; init; } = "DevServer";

    public string CommitterEmail { get; init; } = "devserver@devserver.invalid";
}
