from explore import *
import statistics
def within_between(Xz, fams):
    # pooled within-family variance and between-family variance of family means, per feature
    from collections import defaultdict
    g=defaultdict(list)
    for x,f in zip(Xz,fams): g[f].append(x)
    k=len(Xz[0]); n=len(Xz)
    W=[0.0]*k; dof=0
    for f,xs in g.items():
        m=[sum(c)/len(xs) for c in zip(*xs)]
        for x in xs:
            for i in range(k): W[i]+=(x[i]-m[i])**2
        dof+=len(xs)-1
    W=[w/max(dof,1) for w in W]
    mus=[[sum(c)/len(xs) for c in zip(*xs)] for xs in g.values()]
    gm=[sum(c)/len(mus) for c in zip(*mus)]
    Bv=[sum((m[i]-gm[i])**2 for m in mus)/(len(mus)-1) for i in range(k)]
    return W,Bv
bf=[r[1] for r in bases]
def fisher_w(lam):
    def w(Bz):
        W,Bv=within_between(Bz,bf)
        # Bz is z-scored (total var 1): shrink within-variance toward total
        return [b/(wv+lam) for wv,b in zip(W,Bv)]
    return w
def invwithin(lam):
    def w(Bz):
        W,Bv=within_between(Bz,bf)
        return [1.0/(wv+lam) for wv in W]
    return w
for fit in ['all','bases']:
  for lam in [0.01,0.1,0.5,1.0]:
    run('fit=%s fisher B/(W+%.2f)'%(fit,lam),NOTP,fit=fit,weights=fisher_w(lam))
    run('fit=%s 1/(W+%.2f)'%(fit,lam),NOTP,fit=fit,weights=invwithin(lam))
    run('fit=%s log 1/(W+%.2f)'%(fit,lam),NOTP,tr=logt,fit=fit,weights=invwithin(lam))
# print weights
B=[vec(r[3],NOTP,ident) for r in bases]; ms=fit_scale(B); Bz=[apply(x,ms) for x in B]
W,Bv=within_between(Bz,bf)
for f,w,b in zip(NOTP,W,Bv): print('%-18s within %.3f between %.3f'%(f,w,b))
