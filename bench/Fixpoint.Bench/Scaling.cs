namespace Fixpoint.Bench;

internal static class Scaling
{
    public static int Run(QuickArgs a)
    {
        a.RejectUnknown();
        return 0;
    }
}
