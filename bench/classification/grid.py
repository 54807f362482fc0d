import explore2 as E
from explore import *
import contextlib,io
def score(feats,tr,wf,mode):
    ok_nb=ok_km=0
    if mode=='batch':
        B=[vec(r[3],feats,tr) for r in bases]; D=[vec(r[3],feats,tr) for r in ders]
        ms=fit_scale(B+D); Bz=[apply(x,ms) for x in B]; Dz=[apply(x,ms) for x in D]
        w=wf(Bz) if wf else None
        dist=lambda a,b:d2(a,b,w)
        nb=[min(range(8),key=lambda j:dist(x,Bz[j])) for x in Dz]
        ok_nb=sum(bases[j][1]==r[1] for j,r in zip(nb,ders))
        lab,C=kmeans(Bz+Dz,Bz,dist)
        ok_km=sum(bases[lab[8+i]][1]==r[1] for i,r in enumerate(ders))
        return ok_nb,ok_km
    for r in ders:
        B=[vec(b[3],feats,tr) for b in bases]; q=vec(r[3],feats,tr)
        ms=fit_scale(B+[q]); Bz=[apply(x,ms) for x in B]; qz=apply(q,ms)
        w=wf(Bz) if wf else None
        j=min(range(8),key=lambda j:d2(qz,Bz[j],w))
        ok_nb+= bases[j][1]==r[1]
    return ok_nb,None
NOTP=E.NOTP
NOMEAN=[f for f in NOTP if not f.endswith('_mean')]
for fname,feats in [('notp',NOTP),('nomeans',NOMEAN)]:
 for tname,tr in [('raw',ident),('log',logt)]:
  for wname,wmk in [('none',None),('1/(W+l)',E.invwithin),('B/(W+l)',E.fisher_w)]:
   for lam in ([None] if wmk is None else [0.1,0.25,0.5,1,2]):
    wf=None if wmk is None else wmk(lam)
    b=score(feats,tr,wf,'batch'); s=score(feats,tr,wf,'single')
    print('%-8s %-4s %-8s l=%-5s batch-nearest %2d batch-kmeans %2d single-nearest %2d'%(fname,tname,wname,lam,b[0],b[1],s[0]))
