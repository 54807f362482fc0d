from load import *
import math, sys
rows=load()
bases=[r for r in rows if r[2]=='base']; ders=[r for r in rows if r[2]=='derivative']
def vec(d,feats,tr):
    return [tr(k,d[k]) for k in feats]
def ident(k,v): return v
def logt(k,v):
    if k.endswith('_norm') or k=='total_params': return math.log(v)
    if k.endswith('_std'): return math.log(v)
    return v
def fit_scale(X):
    n=len(X); m=[sum(c)/n for c in zip(*X)]
    s=[math.sqrt(sum((x-mu)**2 for x in c)/n) for c,mu in zip(zip(*X),m)]
    s=[v if v>0 else 1.0 for v in s]
    return m,s
def fit_robust(X):
    import statistics
    m=[statistics.median(c) for c in zip(*X)]
    s=[statistics.median([abs(x-mu) for x in c])*1.4826 for c,mu in zip(zip(*X),m)]
    s=[v if v>0 else 1.0 for v in s]
    return m,s
def apply(x,ms): m,s=ms; return [(a-b)/c for a,b,c in zip(x,m,s)]
def d2(a,b,w=None):
    if w is None: return math.sqrt(sum((x-y)**2 for x,y in zip(a,b)))
    return math.sqrt(sum(wi*(x-y)**2 for x,y,wi in zip(a,b,w)))
def cosd(a,b):
    na=math.sqrt(sum(x*x for x in a)); nb=math.sqrt(sum(x*x for x in b))
    return 1-sum(x*y for x,y in zip(a,b))/(na*nb)
def kmeans(X,C,dist,iters=300):
    C=[list(c) for c in C]
    for _ in range(iters):
        lab=[min(range(len(C)),key=lambda j:dist(x,C[j])) for x in X]
        newC=[]
        for j in range(len(C)):
            mem=[X[i] for i in range(len(X)) if lab[i]==j]
            newC.append([sum(c)/len(mem) for c in zip(*mem)] if mem else C[j])
        if newC==C: break
        C=newC
    return lab,C
def run(name,feats,tr=ident,fit='all',scaler=fit_scale,weights=None,dist=None,verbose=False):
    B=[vec(r[3],feats,tr) for r in bases]; D=[vec(r[3],feats,tr) for r in ders]
    ms=scaler(B+D if fit=='all' else B)
    Bz=[apply(x,ms) for x in B]; Dz=[apply(x,ms) for x in D]
    w=weights(Bz) if weights else None
    dist=dist or (lambda a,b:d2(a,b,w))
    # nearest base
    nb=[min(range(len(B)),key=lambda j:dist(x,Bz[j])) for x in Dz]
    acc_nb=sum(bases[j][1]==r[1] for j,r in zip(nb,ders))
    miss=[r[0] for j,r in zip(nb,ders) if bases[j][1]!=r[1]]
    # kmeans on all points, init at bases; cluster -> family of initial base
    X=Bz+Dz
    lab,C=kmeans(X,Bz,dist)
    acc_km=sum(bases[lab[len(B)+i]][1]==r[1] for i,r in enumerate(ders))
    # majority labelling using all labels (reference style)
    from collections import Counter
    maj={}
    allr=bases+ders
    for j in range(len(B)):
        c=Counter(allr[i][1] for i in range(len(X)) if lab[i]==j)
        maj[j]=c.most_common(1)[0][0] if c else bases[j][1]
    acc_maj=sum(maj[lab[i]]==allr[i][1] for i in range(len(X)))
    # kmeans, cluster label = family of base(s) in cluster (bases only) else nearest base
    print('%-48s nearest %2d/25 %5.1f%%  kmeans(init-label) %2d/25 %5.1f%%  ref-majority(all33) %2d/33 %5.1f%%  nb-miss=%s'%(name,acc_nb,acc_nb*4,acc_km,acc_km*4,acc_maj,acc_maj/33*100,miss))
ALL=FE[:]
NOTP=[f for f in FE if f!='total_params']
NOTPL=[f for f in NOTP if f!='num_layers']
run('ref: z(all33), feats-total_params',NOTP)
run('z(bases), feats-total_params',NOTP,fit='bases')
run('z(all33), all feats',ALL)
run('z(all33), log norms/std',NOTP,tr=logt)
run('z(bases), log norms/std',NOTP,tr=logt,fit='bases')
run('robust(all33)',NOTP,scaler=fit_robust)
run('robust(bases)',NOTP,scaler=fit_robust,fit='bases')
run('robust(bases) log',NOTP,tr=logt,scaler=fit_robust,fit='bases')
run('z(all33) cosine',NOTPL,dist=cosd)
run('z(bases) cosine',NOTPL,fit='bases',dist=cosd)
run('z(bases) log cosine',NOTPL,tr=logt,fit='bases',dist=cosd)
